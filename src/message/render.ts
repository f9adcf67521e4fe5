/**
 * MSG0, MSG2 and MSG4: how Citadel 902 shows a stored message to a client. Pure functions
 * from a parsed message to the reply lines between `100 msg:` and the final `000`.
 *
 * Every line is a binary string (one character per byte, see `binary_string.ts`), so real
 * data with dirty bytes goes out exactly as stored and Content-length counts bytes. The
 * caller writes each line's bytes followed by LF; MSG2 lines already end in CR.
 *
 * Ported from Citadel's msgbase.c (CtdlOutputPreLoadedMsg and its helpers) where the exact
 * output matters to clients: header order and names, the `rfca` suppression for local
 * users, the 72-column variformat formatter, the fixed-format line splitter, the MIME part
 * listing (`pref=`/`part=`/`suff=`, silent inside multipart/alternative), MSG4's choice of
 * part by the client's MSGP list, and MSG0's plain-text views of vCards and calendars.
 *
 * @module
 */

import { toBinaryString } from "./binary_string.ts";
import { type CitadelMessage, FIELD_ORDER, fieldBytes } from "./message.ts";
import { decodePart, type MimePart, walkMime } from "./mime.ts";
import { mnemonicForField } from "./mnemonics.ts";

/** MSG0/MSG2's second argument: which parts of the message to send. */
export const HeaderMode = {
  /** Headers and text. */
  ALL: 0,
  /** Headers and the MIME part list, no text. */
  ONLY: 1,
  /** The text without headers. */
  NONE: 2,
  /** Headers only, without the part list. */
  FAST: 3,
} as const;

/** How to render. */
export interface RenderOptions {
  /** One of {@link HeaderMode}; default ALL. */
  headers?: number;
  /** The reader is the room's aide or an Aide: anonymous authors are shown in brackets. */
  roomAide?: boolean;
  /** MSG4: MIME types the client prefers (MSGP), first listed wins. */
  preferred?: readonly string[];
  /** MSG4: send base64/quoted-printable parts still encoded (MSGP dont_decode). */
  dontDecode?: boolean;
}

/** What MSG2 needs besides the message: the site's names (c_nodename, c_fqdn). */
export interface Rfc822Options extends RenderOptions {
  nodename: string;
  fqdn: string;
}

const ANON_ONLY = 66;
const ANON_OPT = 67;
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
function splitLines(text: string): string[] {
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

/** The bytes of field `type` as a binary string, or undefined. */
function field(msg: CitadelMessage, type: string): string | undefined {
  const bytes = fieldBytes(msg, type);
  return bytes === undefined ? undefined : toBinaryString(bytes);
}

/** The message text; Citadel substitutes this for a message without one. */
function messageText(msg: CitadelMessage): string {
  const text = field(msg, "M");
  return text ? text : "\r\n\r\n (no text)\r\n";
}

/**
 * The `key=value` header lines of MSG0/MSG4, in Citadel's field order. The author is masked
 * for anonymous messages (`****`, `anonymous`), with the real name in brackets for a room
 * aide; `rfca` is left out for users of the local network (a node name without a dot).
 */
export function citadelHeaderLines(msg: CitadelMessage, roomAide = false): string[] {
  const author = field(msg, "A") ?? "";
  let display = author;
  if (msg.anon === ANON_ONLY) display = "****";
  else if (msg.anon === ANON_OPT) display = "anonymous";
  if (roomAide && (msg.anon === ANON_ONLY || msg.anon === ANON_OPT)) display += ` [${author}]`;
  const node = field(msg, "N") ?? "";
  const suppressRfca = node !== "" && !node.includes(".");
  const lines: string[] = [];
  for (const type of FIELD_ORDER) {
    if (type === "M") continue;
    const key = mnemonicForField(type);
    const value = field(msg, type);
    if (key === undefined || value === undefined || value === "") continue;
    if (type === "A") lines.push(`${key}=${display}`);
    else if (type === "F" && suppressRfca) continue;
    else lines.push(`${key}=${value}`);
  }
  return lines;
}

/** MSG0/MSG4's list of MIME parts; parts inside multipart/alternative are not listed. */
export function partListLines(mimeText: string): string[] {
  const lines: string[] = [];
  let inAlternative = 0;
  for (const node of walkMime(mimeText)) {
    if (node.kind === "begin") {
      if (node.container.contentType.toLowerCase() === "multipart/alternative") inAlternative++;
      if (inAlternative === 0) {
        lines.push(`pref=${node.container.partnum}|${node.container.contentType}`);
      }
    } else if (node.kind === "end") {
      if (inAlternative === 0) {
        lines.push(`suff=${node.container.partnum}|${node.container.contentType}`);
      }
      if (node.container.contentType.toLowerCase() === "multipart/alternative") inAlternative--;
    } else if (inAlternative === 0) {
      const p = node.part;
      lines.push(
        `part=${p.name}|${p.filename}|${p.partnum}|${p.disposition}|${p.contentType}|` +
          `${p.content.length}|${p.id}|${p.charset}`,
      );
    }
  }
  return lines;
}

/** Unfolds RFC 2425 lines (vCard, iCalendar): a line starting with space or tab continues. */
function unfold(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if ((line.startsWith(" ") || line.startsWith("\t")) && out.length > 0) {
      out[out.length - 1] += line.slice(1);
    } else {
      out.push(line);
    }
  }
  return out;
}

/** MSG0's view of a vCard (Citadel's vcard_fixed_output): each property's value on a line. */
export function vcardValueLines(vcard: string): string[] {
  const out: string[] = [];
  for (const line of unfold(vcard)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).toLowerCase();
    if (key === "begin" || key === "end") continue;
    out.push(line.slice(colon + 1));
  }
  return out;
}

function unescapeIcal(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, c: string) => (c === "n" || c === "N" ? "\n" : c));
}

/**
 * MSG0's view of an iCalendar object (Citadel's ical_fixed_output): SUMMARY, LOCATION and
 * DESCRIPTION of each component, outer components first.
 */
export function icalSummaryLines(ical: string): string[] {
  interface Component {
    props: Map<string, string>;
    children: Component[];
  }
  const root: Component = { props: new Map(), children: [] };
  const stack: Component[] = [root];
  for (const line of unfold(ical)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).split(";")[0].toUpperCase();
    const value = line.slice(colon + 1);
    const top = stack[stack.length - 1];
    if (name === "BEGIN") {
      const child: Component = { props: new Map(), children: [] };
      top.children.push(child);
      stack.push(child);
    } else if (name === "END") {
      if (stack.length > 1) stack.pop();
    } else if (!top.props.has(name)) {
      top.props.set(name, value);
    }
  }
  const out: string[] = [];
  const visit = (c: Component) => {
    for (const name of ["SUMMARY", "LOCATION", "DESCRIPTION"]) {
      const v = c.props.get(name);
      if (v !== undefined) out.push(...unescapeIcal(v).split("\n"));
    }
    c.children.forEach(visit);
  };
  root.children.forEach(visit);
  return out;
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
};

/**
 * A plain-text view of an HTML part, standing in for libcitadel's html_to_ascii: block
 * tags become line breaks, other tags go, common entities are decoded, runs of white space
 * collapse and blank lines do not repeat.
 */
export function htmlToText(html: string): string[] {
  const text = html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/<\s*(br|\/p|p|\/div|div|\/tr|li|\/h\d|h\d|\/pre|pre|\/table)\b[^>]*>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
      if (e[0] === "#") {
        const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : Number(e.slice(1));
        return code < 256 ? String.fromCharCode(code) : all;
      }
      return ENTITIES[e.toLowerCase()] ?? all;
    });
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[ \t\r\f\v]+/g, " ").trim();
    if (line === "" && (out.length === 0 || out[out.length - 1] === "")) continue;
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

/**
 * Citadel's fixed_output: one MIME part shown as plain text. Text parts as they are, HTML
 * converted, vCards and calendars through MSG0's hooks (when `hooks`), anything else as a
 * one-line summary that ends in CR (Citadel writes `\r\n` there).
 */
function fixedOutput(part: MimePart, content: string, hooks: boolean): string[] {
  const type = part.contentType.toLowerCase();
  if (type === "text/plain" || type === "") return splitLines(content);
  if (type === "text/html") return htmlToText(content);
  if (hooks && (type === "text/x-vcard" || type === "text/vcard")) return vcardValueLines(content);
  if (hooks && type === "text/calendar") return icalSummaryLines(content);
  if (type.startsWith("multipart/")) return [];
  return [
    `Part ${part.partnum}: ${part.filename} (${part.contentType}) (${content.length} bytes)\r`,
  ];
}

/** MSG0's text of a MIME message: every part as plain text, one of each alternative. */
function mimeAsText(mimeText: string): string[] {
  const out: string[] = [];
  let inAlternative = 0;
  let printed = false;
  for (const node of walkMime(mimeText)) {
    if (node.kind !== "part") {
      if (node.container.contentType.toLowerCase() === "multipart/alternative") {
        inAlternative += node.kind === "begin" ? 1 : -1;
        printed = false;
      }
      continue;
    }
    const content = decodePart(node.part);
    if (content === null) continue; // unknown transfer encoding: Citadel skips the part
    if (inAlternative > 0 && printed) continue;
    printed = true;
    out.push(...fixedOutput(node.part, content, true));
  }
  return out;
}

/** The part MSG4 sends: the first of the client's preferred types, else part "1". */
function choosePart(parts: MimePart[], preferred: readonly string[]): string {
  let chosen = "1";
  let rank = 9999;
  for (const p of parts) {
    const i = preferred.findIndex((t) => t.toLowerCase() === p.contentType.toLowerCase());
    if (i >= 0 && i < rank) {
      chosen = p.partnum;
      rank = i;
    }
  }
  return chosen;
}

/** MSG4's text of a MIME message: a MIME header block, then the chosen part. */
function mimeForMsg4(mimeText: string, opts: RenderOptions): string[] {
  const preferred = opts.preferred ?? [];
  const parts = walkMime(mimeText).flatMap((n) => (n.kind === "part" ? [n.part] : []));
  const chosen = choosePart(parts, preferred).toLowerCase();
  const out: string[] = [];
  for (const part of parts) {
    if (part.partnum.toLowerCase() !== chosen) continue;
    const wanted = preferred.some((t) => t.toLowerCase() === part.contentType.toLowerCase());
    const decoded = opts.dontDecode ? part.content : decodePart(part);
    if (wanted && decoded !== null) {
      const lines = splitLines(decoded).map(escapeListingLine);
      const length = lines.reduce((n, l) => n + l.length + 1, 0);
      // A decoded part is no longer in its transfer encoding; libcitadel calls it binary.
      const encoding = opts.dontDecode || part.encoding === ""
        ? (part.encoding || "7bit")
        : "binary";
      out.push(
        `Content-type: ${part.contentType}${part.charset ? `; charset=${part.charset}` : ""}`,
        `Content-length: ${length}`,
        `Content-transfer-encoding: ${encoding}`,
        `X-Citadel-MSG4-Partnum: ${part.partnum}`,
        "",
        ...lines,
      );
      continue;
    }
    out.push("Content-type: text/plain", "");
    const content = decodePart(part);
    if (content !== null) out.push(...fixedOutput(part, content, false).map(escapeListingLine));
  }
  return out;
}

/** The body of a format 0 or 1 message as MSG0 sends it (000-safe). */
function plainBody(msg: CitadelMessage, text: string): string[] {
  const lines = msg.format === 1 ? formatFixed(text) : formatVariformat(text);
  return lines.map(escapeListingLine);
}

/**
 * MSG0 (`msgnum|headers`): `type=`, the headers, the MIME part list, `text` and the body
 * shown as plain text. The lines between `100 msg:` and `000`.
 *
 * @example
 * ```ts
 * renderMsg0(newMessage({ fields: { A: "Ann", M: "hi\n" } }));
 * // ["type=0", "from=Ann", "text", "hi"]
 * ```
 */
export function renderMsg0(msg: CitadelMessage, opts: RenderOptions = {}): string[] {
  const mode = opts.headers ?? HeaderMode.ALL;
  const text = messageText(msg);
  const out: string[] = [];
  if (mode !== HeaderMode.NONE) {
    out.push(`type=${msg.format}`);
    if (msg.anon === ANON_ONLY) out.push("nhdr=yes");
    out.push(...citadelHeaderLines(msg, opts.roomAide));
  }
  if (mode === HeaderMode.FAST) return out;
  if (msg.format === 4) out.push(...partListLines(text));
  if (mode === HeaderMode.ONLY) return out;
  out.push("text");
  if (msg.format === 4) out.push(...mimeAsText(text).map(escapeListingLine));
  else out.push(...plainBody(msg, text));
  return out;
}

/**
 * MSG4 (`msgnum|section`): like MSG0 without `type=`, but after `text` comes a MIME header
 * block (`Content-type`, and for MIME parts `Content-length`, `Content-transfer-encoding`,
 * `X-Citadel-MSG4-Partnum`), a blank line and the part the client prefers (MSGP).
 */
export function renderMsg4(msg: CitadelMessage, opts: RenderOptions = {}): string[] {
  const text = messageText(msg);
  const out: string[] = [];
  if (msg.anon === ANON_ONLY) out.push("nhdr=yes");
  out.push(...citadelHeaderLines(msg, opts.roomAide));
  if (msg.format === 4) {
    out.push(...partListLines(text), "text", ...mimeForMsg4(text, opts));
  } else if (msg.format === 1) {
    out.push("text", "Content-type: text/plain", "", ...plainBody(msg, text));
  } else {
    out.push("text", "Content-type: text/x-citadel-variformat", "", ...plainBody(msg, text));
  }
  return out;
}

/**
 * An RFC 822 date in UTC, as 902 writes it: the platform's UTC date with the zone as
 * `-0000` (RFC 2822's "UTC, local offset unknown").
 */
export function rfc822Date(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toUTCString().replace(/GMT$/, "-0000");
}

/** The RFC 822 header lines Citadel synthesises for MSG2, without line ends. */
function rfc822Headers(msg: CitadelMessage, opts: Rfc822Options): string[] {
  const out: string[] = [];
  let mid = "unknown";
  let luser = "";
  let fuser = "";
  let snode = opts.nodename;
  let subject = false;
  for (const type of FIELD_ORDER) {
    const v = field(msg, type);
    if (v === undefined) continue;
    switch (type) {
      case "A":
        luser = v;
        break;
      case "Y":
        out.push(`CC: ${v}`);
        break;
      case "P":
        out.push(`Return-Path: ${v}`);
        break;
      case "L":
        out.push(`List-ID: ${v}`);
        break;
      case "V":
        if (v.trim() !== "") out.push(`Envelope-To: ${v.trimStart()}`);
        break;
      case "U":
        out.push(`Subject: ${v}`);
        subject = true;
        break;
      case "I":
        mid = v;
        break;
      case "F":
        // Citadel's switch falls through from the address to the node name here.
        fuser = v;
        snode = v;
        break;
      case "N":
        snode = v;
        break;
      case "R":
        out.push(v.includes("@") ? `To: ${v}` : `To: ${v}@${opts.fqdn}`);
        break;
      case "T":
        out.push(`Date: ${rfc822Date(Number.parseInt(v, 10) || 0)}`);
        break;
      case "W":
        out.push(`References: ${v.split("|").map((r) => `<${r}>`).join(" ")}`);
        break;
      case "K":
        if (v.trim() !== "") out.push(`Reply-To: ${v}`);
        break;
    }
  }
  if (!subject) out.push("Subject: (no subject)");
  if (snode.toLowerCase() === opts.nodename.toLowerCase()) snode = opts.fqdn;
  out.push(`Message-ID: <${mid}${mid.includes("@") ? "" : `@${snode}`}>`);
  const suser = luser.toLowerCase().replace(/[^a-z0-9]/g, "_");
  if (!opts.roomAide && msg.anon === ANON_ONLY) out.push(`From: "----" <x@x.org>`);
  else if (!opts.roomAide && msg.anon === ANON_OPT) out.push(`From: "anonymous" <x@x.org>`);
  else if (fuser !== "") out.push(`From: "${luser}" <${fuser}>`);
  else out.push(`From: "${luser}" <${suser}@${snode}>`);
  if (msg.format !== 4) out.push("");
  return out;
}

/**
 * MSG2 (`msgnum|headers`): the message in RFC 822 form. Synthesised headers (Return-Path,
 * Date, Subject, Message-ID, From, ...), then the text; every line ends in CR so that the
 * LF the caller adds makes CRLF, as Citadel sends it.
 */
export function renderMsg2(msg: CitadelMessage, opts: Rfc822Options): string[] {
  const mode = opts.headers ?? HeaderMode.ALL;
  const text = messageText(msg);
  const out: string[] = [];
  if (mode !== HeaderMode.NONE) out.push(...rfc822Headers(msg, opts));
  if (mode !== HeaderMode.FAST) {
    if (msg.format === 4) {
      // The stored MIME headers continue the header block; CRs are dropped, LF becomes CRLF.
      const lines = splitLines(text.replace(/\r/g, ""));
      const blank = lines.indexOf("");
      if (mode === HeaderMode.ONLY) out.push(...(blank < 0 ? lines : lines.slice(0, blank)));
      else if (mode === HeaderMode.NONE) out.push(...(blank < 0 ? [] : lines.slice(blank)));
      else out.push(...lines);
    } else if (mode !== HeaderMode.ONLY) {
      out.push(...(msg.format === 1 ? formatFixed(text, true) : formatVariformat(text)));
    }
  }
  return out.map((l) => escapeListingLine(l) + "\r");
}
