/**
 * The little XML escaping a MIGR document uses: Citadel's exporter escapes exactly
 * `& < > " '` and writes everything else (non-ASCII included) as raw UTF-8.
 *
 * @module
 */

import { quoteSnippet } from "./snippet.ts";

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * Escapes text for an element body or an attribute as Citadel 902 does, plus CR and LF as
 * character references: Citadel writes them raw, but a value line that read exactly `000`
 * would end a `MIGR export` listing early, and every XML reader (expat included) decodes them.
 *
 * @example
 * ```ts
 * escapeXml("Food & Drink"); // "Food &amp; Drink"
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r\n]/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "'":
        return "&apos;";
      case "\r":
        return "&#13;";
      default:
        return "&#10;";
    }
  });
}

/**
 * Decodes the five named entities and numeric references (`&#39;`, `&#x27;`). Throws an
 * `Error` naming the first thing that is not one, since a bare `&` means the text was not
 * written by an XML writer.
 *
 * @example
 * ```ts
 * unescapeXml("Hacker&apos;s Den"); // "Hacker's Den"
 * ```
 */
export function unescapeXml(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&([^;&\s]{0,12});?/g, (whole, body: string) => {
    if (!whole.endsWith(";")) throw new Error(`'&' not part of an entity: ${quoteSnippet(whole)}`);
    if (Object.hasOwn(NAMED, body)) return NAMED[body];
    const m = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(body);
    if (m) {
      const code = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
      if (code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) {
        return String.fromCodePoint(code);
      }
    }
    throw new Error(`unknown entity ${quoteSnippet(whole)}`);
  });
}
