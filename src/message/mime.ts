/**
 * Minimal MIME parsing for format-4 (RFC822/MIME) messages, following libcitadel's
 * `mime_parser` closely enough that part numbers, lengths and types match what a real
 * Citadel 902 reports in MSG0/MSG4 `part=` lines and serves with OPNA.
 *
 * Works on binary strings (see `binary_string.ts`): lengths are byte counts.
 *
 * Citadel quirks kept on purpose:
 * - A message that is not multipart is part "1"; a top-level multipart container has the
 *   empty part number and its children are "1", "2", nested ones "1.1", ...
 * - A part inside a multipart ends before the line break that precedes the next boundary
 *   (CRLF if the boundary line before the part ended in CRLF), so a text part usually has
 *   no final newline; a message that is not multipart keeps everything to its end.
 * - `7bit`, `8bit`, `binary` and `iso-8859-1` transfer encodings are reported as "" (none).
 * - A part whose headers run to the very end (no body) is not reported at all.
 * - message/rfc822 parts are reported as leaves; Citadel's recursion into them is not done.
 *
 * @module
 */

/** One leaf part of a MIME message, as Citadel's mime_parser hands it to its callbacks. */
export interface MimePart {
  /** Citadel's part number: "1", "2", "1.2"; a message that is not multipart is part "1". */
  partnum: string;
  /** `name=` of Content-type or Content-disposition, whichever is longer. */
  name: string;
  /** `filename=` of Content-disposition. */
  filename: string;
  /** The disposition without parameters (`attachment`, `inline`) or "". */
  disposition: string;
  /** The content type as written (case kept), without parameters; text/plain when absent. */
  contentType: string;
  /** `charset=` of Content-type, or "". */
  charset: string;
  /** Content-transfer-encoding as written, "" for the identity encodings. */
  encoding: string;
  /** Content-ID without its angle brackets, or "". */
  id: string;
  /** The part's bytes (binary string), still transfer-encoded. */
  content: string;
}

/** A multipart container (for MSG0's `pref=`/`suff=` lines). */
export interface MimeContainer {
  /** "" for the top level, else the container's own part number. */
  partnum: string;
  contentType: string;
  charset: string;
}

/** What a walk over a message reports, in document order. */
export type MimeNode =
  | { kind: "begin"; container: MimeContainer }
  | { kind: "part"; part: MimePart }
  | { kind: "end"; container: MimeContainer };

/** The encodings Citadel treats as "no encoding at all". */
const IDENTITY_ENCODINGS = new Set(["7bit", "8bit", "binary", "iso-8859-1"]);

/**
 * Citadel's extract_key: the value of `key=` in a header (quotes removed), or "". The key
 * must start the header or follow `;` or white space, so `name` does not match `filename`.
 */
export function headerParam(header: string, key: string): string {
  const re = new RegExp(`(?:^|[;\\s])${key}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, "i");
  const m = re.exec(header);
  return m ? (m[1] ?? m[2] ?? "") : "";
}

interface PartHeaders {
  contentType: string;
  typeHeader: string;
  typeName: string;
  charset: string;
  boundary: string;
  disposition: string;
  dispositionName: string;
  filename: string;
  id: string;
  encoding: string;
}

/** Reads one line (without LF and a CR before it) at `pos`; returns it and the next offset. */
function readLine(text: string, pos: number, end: number): { line: string; next: number } {
  const lf = text.indexOf("\n", pos);
  const stop = lf < 0 || lf >= end ? end : lf;
  let line = text.slice(pos, stop);
  if (line.endsWith("\r")) line = line.slice(0, -1);
  return { line, next: stop < end ? stop + 1 : end };
}

function parseHeaderBlock(
  text: string,
  start: number,
  end: number,
): { headers: PartHeaders; bodyStart: number } | null {
  const h: PartHeaders = {
    contentType: "",
    typeHeader: "",
    typeName: "",
    charset: "",
    boundary: "",
    disposition: "",
    dispositionName: "",
    filename: "",
    id: "",
    encoding: "",
  };
  const take = (header: string) => {
    const lower = header.toLowerCase();
    if (lower.startsWith("content-type:")) {
      const value = header.slice(13).trim();
      h.typeHeader = value;
      h.typeName = headerParam(value, "name");
      h.charset = headerParam(value, "charset");
      h.boundary = headerParam(value, "boundary");
      h.contentType = value.split(/[;\s]/)[0];
    } else if (lower.startsWith("content-disposition:")) {
      const value = header.slice(20).trim();
      h.dispositionName = headerParam(value, "name");
      h.filename = headerParam(value, "filename");
      h.disposition = value.split(";")[0].trim();
    } else if (lower.startsWith("content-id:")) {
      h.id = header.slice(11).trim().replace(/^<|>$/g, "");
    } else if (lower.startsWith("content-transfer-encoding:")) {
      h.encoding = header.slice(26).trim();
    }
  };
  let pos = start;
  let header = "";
  while (true) {
    if (pos >= end) return null; // headers ran to the end: Citadel reports nothing
    const { line, next } = readLine(text, pos, end);
    pos = next;
    const folded = line.replace(/\s/g, " ");
    if (!folded.startsWith(" ")) {
      if (header !== "") take(header);
      header = "";
    }
    header += folded;
    // Checked before the blank line ends the headers: like Citadel, a part with nothing
    // after its headers is not reported.
    if (pos >= end) return null;
    if (line === "") break;
  }
  if (header.trim() !== "") take(header);
  if (h.contentType === "") h.contentType = "text/plain";
  return { headers: h, bodyStart: pos };
}

function walk(text: string, start: number, end: number, partnum: string, out: MimeNode[]): void {
  const parsed = parseHeaderBlock(text, start, end);
  if (!parsed) return;
  const { headers: h, bodyStart } = parsed;
  if (h.boundary !== "") {
    const container = { partnum, contentType: h.contentType, charset: h.charset };
    out.push({ kind: "begin", container });
    const startary = `--${h.boundary}`;
    let ptr = bodyStart;
    let partStart = -1;
    let crlf = false;
    let seq = 0;
    while (ptr < end) {
      const at = text.indexOf(startary, ptr);
      const next = at >= 0 && at < end ? at : -1;
      if (partStart >= 0 && next >= 0) {
        // The line break before the boundary belongs to the boundary, not to the part.
        const partEnd = Math.max(partStart, next - 1 - (crlf ? 1 : 0));
        seq++;
        walk(text, partStart, partEnd, partnum ? `${partnum}.${seq}` : String(seq), out);
      }
      if (next < 0) break;
      if (text.startsWith("--", next + startary.length)) break;
      const lf = text.indexOf("\n", next);
      if (lf < 0 || lf >= end) break;
      crlf = lf > 0 && text[lf - 1] === "\r";
      partStart = lf + 1;
      ptr = partStart;
    }
    out.push({ kind: "end", container });
    return;
  }
  const name = h.dispositionName.length > h.typeName.length ? h.dispositionName : h.typeName;
  const encoding = IDENTITY_ENCODINGS.has(h.encoding.toLowerCase()) ? "" : h.encoding;
  out.push({
    kind: "part",
    part: {
      partnum: partnum === "" ? "1" : partnum,
      name,
      filename: h.filename,
      disposition: h.disposition,
      contentType: h.contentType,
      charset: h.charset,
      encoding,
      id: h.id,
      content: text.slice(bodyStart, end),
    },
  });
}

/**
 * Walks a MIME message (headers and body, as in a format-4 message's M field) and returns
 * its containers and leaf parts in document order.
 *
 * @example
 * ```ts
 * walkMime("Content-type: text/plain\n\nhi\n");
 * // [{ kind: "part", part: { partnum: "1", contentType: "text/plain", content: "hi\n", ... } }]
 * ```
 */
export function walkMime(text: string): MimeNode[] {
  const out: MimeNode[] = [];
  walk(text, 0, text.length, "", out);
  return out;
}

/** The leaf parts of a MIME message, in document order. */
export function mimeParts(text: string): MimePart[] {
  return walkMime(text).flatMap((n) => (n.kind === "part" ? [n.part] : []));
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Base64 to a binary string, skipping anything outside the alphabet, as libcitadel does. */
export function decodeBase64Binary(text: string): string {
  const clean = text.replace(/[^A-Za-z0-9+/]/g, "");
  let out = "";
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < clean.length; i++) {
    acc = (acc << 6) | B64.indexOf(clean[i]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((acc >> bits) & 0xff);
    }
  }
  return out;
}

/** Quoted-printable to a binary string: `=XX` escapes and `=` soft line breaks. */
export function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/[ \t]+(\r?\n)/g, "$1")
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * A part's content with its transfer encoding undone (binary string). Identity encodings
 * give the content back; an encoding Citadel does not know gives null (Citadel drops such
 * parts silently).
 */
export function decodePart(part: MimePart): string | null {
  const enc = part.encoding.toLowerCase();
  if (enc === "" || IDENTITY_ENCODINGS.has(enc)) return part.content;
  if (enc === "base64") return decodeBase64Binary(part.content);
  if (enc === "quoted-printable") return decodeQuotedPrintable(part.content);
  return null;
}

/** Finds a leaf by part number or Content-ID (case-insensitive), as OPNA and DLAT do. */
export function findPart(text: string, section: string): MimePart | undefined {
  const want = section.toLowerCase();
  return mimeParts(text).find((p) =>
    p.partnum.toLowerCase() === want || (p.id !== "" && p.id.toLowerCase() === want)
  );
}
