/**
 * What a server message becomes in the mirror, and the checks a local file passes before
 * it is sent: mail as an RFC 822 file, calendar and task items as `.ics`, contacts as
 * `.vcf`, notes as `.txt`.
 */
import { fromBinaryString, toBinaryString } from "../message/binary_string.ts";
import { messageEuid } from "../message/euid.ts";
import { type CitadelMessage, fieldBytes, parseMessage } from "../message/message.ts";
import { decodePart, mimeParts } from "../message/mime.ts";
import { HeaderMode, renderMsg2 } from "../message/render.ts";

/** How a room is kept locally. */
export type Layout = "maildir" | "vdir";

/** Per room kind: the layout, the file extension and the MIME types of its items. */
export const KINDS: Record<string, { layout: Layout; ext: string; types: string[] }> = {
  mail: { layout: "maildir", ext: "", types: [] },
  ordinary: { layout: "maildir", ext: "", types: [] },
  calendar: { layout: "vdir", ext: ".ics", types: ["text/calendar"] },
  tasks: { layout: "vdir", ext: ".ics", types: ["text/calendar"] },
  contacts: { layout: "vdir", ext: ".vcf", types: ["text/x-vcard", "text/vcard"] },
  notes: { layout: "vdir", ext: ".txt", types: ["text/plain", "text/vnote"] },
};

/** The RFC 822 form of a message, as MSG2 sends it, with CRLF line ends. */
export function rfc822Bytes(msg: CitadelMessage, site: { nodename: string; fqdn: string }) {
  const lines = renderMsg2(msg, { headers: HeaderMode.ALL, ...site });
  // renderMsg2 ends each line in CR for the wire; the file gets CRLF.
  return fromBinaryString(lines.map((l) => l + "\n").join(""));
}

/** A server message as a vdir item: its EUID and its text (the item's MIME part). */
export interface ServerItem {
  euid: string;
  text: string;
}

const utf8 = new TextDecoder();

/** The item a calendar, contacts or notes message holds; the EUID falls back to the number. */
export function serverItem(bytes: Uint8Array, msgnum: number, kind: string): ServerItem {
  const msg = parseMessage(bytes);
  const euid = messageEuid(msg) || `ctdl-${msgnum}`;
  const body = fieldBytes(msg, "M") ?? new Uint8Array(0);
  let text = toBinaryString(body);
  if (msg.format === 4) {
    const parts = mimeParts(text);
    const want = KINDS[kind].types;
    const part = parts.find((p) => want.includes(p.contentType.toLowerCase())) ?? parts[0];
    text = part ? decodePart(part) ?? "" : "";
  }
  return { euid, text: utf8.decode(fromBinaryString(text)) };
}

/** Two item texts are the same item text if they differ only in line ends. */
export function sameText(a: string, b: string): boolean {
  const norm = (t: string) => t.replace(/\r/g, "").replace(/\n*$/, "\n");
  return norm(a) === norm(b);
}

/** A name made safe as one file name: path separators and control bytes become `_`. */
export function safeFileName(name: string): string {
  let out = "";
  for (const ch of name) out += ch === "/" || ch === "\\" || ch.charCodeAt(0) < 32 ? "_" : ch;
  return out.replace(/^\.+/, "_");
}

/** A file name for an item, from its EUID. */
export function itemFileName(euid: string, ext: string): string {
  return safeFileName(euid).slice(0, 200) + ext;
}

/**
 * Checks a local `.ics` or `.vcf` before it is sent: the text must be one well-formed
 * VCALENDAR or VCARD object (BEGIN/END balanced) with a UID. Returns the UID, or throws
 * with the reason.
 */
export function checkLocalItem(text: string, kind: string): string {
  const want = kind === "contacts" ? "VCARD" : "VCALENDAR";
  const lines = text.replace(/\r/g, "").replace(/\n[ \t]/g, "").split("\n")
    .filter((l) => l.trim() !== "");
  if (lines.length === 0) throw new Error("empty file");
  if (lines[0].trim().toUpperCase() !== `BEGIN:${want}`) {
    throw new Error(`does not start with BEGIN:${want}`);
  }
  const stack: string[] = [];
  let uid = "";
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`not a property line: '${line.slice(0, 40)}'`);
    const name = line.slice(0, colon).split(";")[0].toUpperCase();
    const value = line.slice(colon + 1).trim();
    if (name === "BEGIN") stack.push(value.toUpperCase());
    else if (name === "END") {
      if (stack.pop() !== value.toUpperCase()) throw new Error(`END:${value} out of place`);
      if (stack.length === 0 && line !== lines[lines.length - 1]) {
        throw new Error("text after the object's END");
      }
    } else if (name === "UID" && uid === "") uid = value;
  }
  if (stack.length !== 0) throw new Error(`BEGIN:${stack.at(-1)} is never ended`);
  if (uid === "") throw new Error("has no UID");
  return uid;
}
