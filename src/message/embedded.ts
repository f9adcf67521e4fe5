/**
 * MSG4's `section` argument: a message/rfc822 part of a MIME message shown as a message of
 * its own (Citadel's extract_encapsulated_message + convert_internet_message, reduced to
 * the headers a client displays).
 *
 * @module
 */

import { fromBinaryString, toBinaryString } from "./binary_string.ts";
import { type CitadelMessage, fieldBytes } from "./message.ts";
import { findPart } from "./mime.ts";

/** Reads an RFC 822 header block (unfolded) into lower-cased names and their first value. */
function readHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  let last = "";
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line === "") break;
    if ((line.startsWith(" ") || line.startsWith("\t")) && last !== "") {
      headers.set(last, `${headers.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim());
  }
  return headers;
}

/**
 * The message/rfc822 part `section` of `msg` as a format-4 message (author, address,
 * subject, time and id from its headers; the whole part as its text), or null when the
 * message has no such part. Section "" or "0" is the message itself.
 */
export function embeddedMessage(msg: CitadelMessage, section: string): CitadelMessage | null {
  if (section === "" || section === "0") return msg;
  if (msg.format !== 4) return null;
  const text = toBinaryString(fieldBytes(msg, "M") ?? new Uint8Array());
  const part = findPart(text, section);
  if (!part || part.contentType.toLowerCase() !== "message/rfc822") return null;
  const h = readHeaders(part.content);
  const fields: { type: string; value: Uint8Array }[] = [];
  const add = (type: string, value: string | undefined) => {
    if (value) fields.push({ type, value: fromBinaryString(value.replace(/\0/g, "")) });
  };
  add("I", h.get("message-id")?.replace(/^<|>$/g, ""));
  const from = h.get("from") ?? "";
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]*)>/.exec(from);
  add("T", h.has("date") ? String(Math.floor((Date.parse(h.get("date")!) || 0) / 1000)) : "");
  add("A", m ? (m[1] || m[2]) : from);
  add("F", m ? m[2] : from.includes("@") ? from.trim() : "");
  add("U", h.get("subject"));
  add("M", part.content);
  return { anon: 65, format: 4, fields };
}
