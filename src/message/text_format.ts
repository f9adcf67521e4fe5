/**
 * How Citadel 902 lays out message text for a client: the 72-column variformat formatter,
 * the fixed-format splitter, and the listing escape. Lines are binary strings.
 *
 * @module
 */

/** Citadel's SIZ: the fixed-format splitter never builds a line longer than this. */
const SIZ = 4096;

/**
 * A listing ends at a line that is exactly `000`, and Citadel does not escape one inside a
 * message. We send such a body line as `000 ` (one trailing space): every client shows it
 * the same, it no longer ends the listing, and MSG4's Content-length counts the extra byte.
 */
export function escapeListingLine(line: string): string {
  return line === "000" ? "000 " : line;
}

/** Lines of a text (binary string): split at LF, a final LF ends the last line. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  return body.split("\n");
}

function isSpace(ch: string): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\v" || ch === "\f" || ch === "\r";
}

/**
 * Citadel's memfmout: variformat (format 0) text as sent to clients. A space or tab past
 * column 72 becomes a line break, a word longer than 1000 columns is cut, CRs are dropped.
 * A line starting with a space marks a new paragraph; clients may reflow the rest.
 */
export function formatVariformat(text: string): string[] {
  const out: string[] = [];
  let line = "";
  let column = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\n") {
      out.push(line);
      line = "";
      column = 0;
    } else if (ch === "\r") {
      // Newlines are LF or CRLF, never a bare CR.
    } else if (isSpace(ch)) {
      if (column > 72) {
        out.push(line);
        line = "";
        column = 0;
      } else {
        line += ch;
        column++;
      }
    } else {
      line += ch;
      column++;
      if (column > 1000) {
        out.push(line);
        line = "";
        column = 0;
      }
    }
  }
  if (line !== "") out.push(line);
  return out;
}

/**
 * Citadel's DumpFormatFixed: fixed-format (format 1) text. Lines are kept, except that one
 * longer than 250 bytes is broken at its last space (a line without any breaks at the next
 * space or near SIZ). CR counts as a line end, as in Citadel.
 */
export function formatFixed(text: string, crlf = false): string[] {
  const out: string[] = [];
  const limit = SIZ - (crlf ? 2 : 1) - 2;
  let buf = "";
  let oversized = false;
  let i = 0;
  while (i < text.length) {
    let ch = text[i++];
    if (ch === "\0") break;
    if (ch === "\n") ch = "\r";
    if (buf.length > 250 && !oversized) {
      let j = buf.length - 1;
      while (j > 0 && !isSpace(buf[j])) j--;
      if (j === 0) {
        oversized = true;
      } else {
        // Re-read from just after the space; the space itself is dropped.
        i -= buf.length - j;
        buf = buf.slice(0, j);
        ch = "\r";
      }
    }
    if (oversized && (isSpace(ch) || buf.length > limit)) ch = "\r";
    if (ch === "\r") {
      out.push(buf);
      buf = "";
      oversized = false;
    } else {
      buf += ch;
    }
  }
  if (buf !== "") out.push(buf);
  return out;
}
