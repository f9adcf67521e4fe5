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

import { AnonType, type CitadelMessage, FIELD_ORDER } from "./message.ts";
import { decodePart, type MimePart, walkMime } from "./mime.ts";
import { mnemonicForField } from "./mnemonics.ts";
import { htmlToText, icalSummaryLines, vcardValueLines } from "./objects.ts";
import { field, HeaderMode, messageText, type RenderOptions } from "./render_common.ts";
import { escapeListingLine, formatFixed, formatVariformat, splitLines } from "./text_format.ts";

export { escapeListingLine, formatFixed, formatVariformat } from "./text_format.ts";
export { htmlToText, icalSummaryLines, vcardValueLines } from "./objects.ts";
export { renderMsg2, rfc822Date } from "./rfc822.ts";
export { HeaderMode, type RenderOptions, type Rfc822Options } from "./render_common.ts";

/**
 * The `key=value` header lines of MSG0/MSG4, in Citadel's field order. The author is masked
 * for anonymous messages (`****`, `anonymous`), with the real name in brackets for a room
 * aide; `rfca` is left out for users of the local network (a node name without a dot).
 */
export function citadelHeaderLines(msg: CitadelMessage, roomAide = false): string[] {
  const author = field(msg, "A") ?? "";
  let display = author;
  if (msg.anon === AnonType.ANON_ONLY) display = "****";
  else if (msg.anon === AnonType.ANON_OPTION) display = "anonymous";
  if (roomAide && (msg.anon === AnonType.ANON_ONLY || msg.anon === AnonType.ANON_OPTION)) {
    display += ` [${author}]`;
  }
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
export function mimeAsText(mimeText: string): string[] {
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
    if (msg.anon === AnonType.ANON_ONLY) out.push("nhdr=yes");
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
  if (msg.anon === AnonType.ANON_ONLY) out.push("nhdr=yes");
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
