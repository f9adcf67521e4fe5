/**
 * Quoting a piece of a document for an error message: never the raw bytes (a control
 * character or an escape sequence would reach the user's terminal), at most a few dozen
 * characters.
 *
 * @module
 */

/** `s` trimmed, shortened to `max` characters, with control and odd characters escaped. */
export function quoteSnippet(s: string, max = 40): string {
  const t = s.trim();
  const cut = [...t.slice(0, max + 1)];
  const shown = cut.slice(0, max).join("");
  // JSON escapes C0 controls, quotes and backslashes; the rest (C1, bidi, other invisible
  // characters) is escaped here.
  const escaped = JSON.stringify(shown).replace(
    /[\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ufffd]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return cut.length > max ? `${escaped.slice(0, -1)}..."` : escaped;
}
