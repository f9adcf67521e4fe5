/**
 * MSG2: a stored message as RFC 822 text, headers Citadel synthesises and CRLF lines.
 *
 * @module
 */

import { AnonType, type CitadelMessage, FIELD_ORDER } from "./message.ts";
import { field, HeaderMode, messageText, type Rfc822Options } from "./render_common.ts";
import { escapeListingLine, formatFixed, formatVariformat, splitLines } from "./text_format.ts";
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
  if (!opts.roomAide && msg.anon === AnonType.ANON_ONLY) out.push(`From: "----" <x@x.org>`);
  else if (!opts.roomAide && msg.anon === AnonType.ANON_OPTION) {
    out.push(`From: "anonymous" <x@x.org>`);
  } else if (fuser !== "") out.push(`From: "${luser}" <${fuser}>`);
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
