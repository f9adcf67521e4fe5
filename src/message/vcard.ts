/**
 * vCards as Citadel 902 keeps them. When a vCard is saved into an address book (or a user's
 * config room), 902 parses it with libcitadel's `vcard_load`, sets `VERSION:2.1` and writes
 * it back with `vcard_serialize`: lower-case `begin:vcard`/`end:vcard`, every property on
 * one unfolded CRLF line in the order sent, `charset=` parameters dropped and
 * `;charset=UTF-8` put back on values that are not printable ASCII. The message then holds
 * only that card under a bare `Content-type: text/x-vcard`.
 *
 * Inputs and outputs are binary strings (see `binary_string.ts`).
 *
 * @module
 */

/** One property: the name with its parameters (`EMAIL;TYPE=INTERNET`) and the raw value. */
export interface VcardProp {
  name: string;
  value: string;
}

const SPACE = new Set([" ", "\t", "\n", "\v", "\f", "\r"]);

/**
 * libcitadel's clean-up before parsing: a CR before LF goes, and a line break followed by
 * white space goes (the white space stays), one character position at a time as C does.
 */
function unfoldCitadel(text: string): string {
  let out = "";
  let j = 0;
  while (j < text.length) {
    if (text[j] === "\r" && text[j + 1] === "\n") j++;
    if (text[j] === "\n" && j + 1 < text.length && SPACE.has(text[j + 1])) j++;
    out += text[j++];
  }
  return out;
}

/** vcard_load's remove_charset_attribute: `charset=` parameters leave the property name. */
function dropCharset(name: string): string {
  const tokens = name.split(";");
  const count = tokens.length;
  // C removes token i and then looks at index i+1, so a token right after a removed one
  // is skipped; kept for the same result.
  for (let i = 0; i < count; i++) {
    if (i < tokens.length && tokens[i].trim().toLowerCase().startsWith("charset=")) {
      tokens.splice(i, 1);
    }
  }
  const out = tokens.join(";");
  return out.endsWith(";") ? out.slice(0, -1) : out;
}

/**
 * Parses a vCard as libcitadel's vcard_load does: only lines between `begin:vcard` and
 * `end` count, a line counts only if it ends in a line break and has a colon after its
 * first character, and BEGIN/END are not properties.
 */
export function loadVcard(text: string): VcardProp[] {
  const src = unfoldCitadel(text);
  const props: VcardProp[] = [];
  let valid = false;
  let at = 0;
  while (at < src.length) {
    const nl = src.indexOf("\n", at);
    const colon = src.indexOf(":", at);
    if (nl >= 0 && colon > at && colon < nl) {
      const name = src.slice(at, colon);
      const value = src.slice(colon + 1, nl);
      if (name.toLowerCase() === "end") valid = false;
      if (name.toLowerCase() === "begin" && value.toLowerCase() === "vcard") valid = true;
      if (valid && name.toLowerCase() !== "begin") props.push({ name: dropCharset(name), value });
    }
    if (nl < 0) break;
    at = nl + 1;
  }
  return props;
}

/**
 * vcard_get_prop: the first property named `name`, or (partial) whose name is `name`
 * followed by parameters (`tel` finds `TEL;TYPE=WORK`). Case-insensitive.
 */
export function vcardProp(props: readonly VcardProp[], name: string): VcardProp | undefined {
  const want = name.toLowerCase();
  return props.find((p) => {
    const have = p.name.toLowerCase();
    return have === want || (have.startsWith(want) && have[want.length] === ";");
  });
}

/** vcard_set_prop: replaces the first property of exactly this name, else appends one. */
export function setVcardProp(props: VcardProp[], name: string, value: string): void {
  const i = props.findIndex((p) => p.name.toLowerCase() === name.toLowerCase());
  if (i >= 0) props[i] = { name, value };
  else props.push({ name, value });
}

/** vcard_serialize: VERSION set to 2.1, then Citadel's own layout (see the module doc). */
export function serializeVcard(props: VcardProp[]): string {
  setVcardProp(props, "VERSION", "2.1");
  let out = "begin:vcard\r\n";
  for (const p of props) {
    if (p.name.toLowerCase() === "end") continue;
    // C's signed char: bytes above 126 are "below 32" too.
    const utf8 = /[^\x20-\x7e]/.test(p.value);
    out += `${p.name}${utf8 ? ";charset=UTF-8" : ""}:${p.value}\r\n`;
  }
  return out + "end:vcard\r\n";
}

/** What 902's vCard before-save hook makes of a posted card. */
export interface SavedVcard {
  /** The new message text: only the card, re-serialised. */
  body: string;
  /** The card's UID, which becomes the message's EUID. */
  euid: string;
  /** FN (or N) if the card has one: the message's subject. */
  subject?: string;
}

/**
 * Citadel's vcard_upload_beforesave for a card `vcard` (the last vCard part of the post,
 * decoded). `uid` is used when the card has none. `freeBusyUrl` is set (as `FBURL;PREF`)
 * only for a user's own config room.
 */
export function vcardBeforeSave(vcard: string, uid: string, freeBusyUrl?: string): SavedVcard {
  const props = loadVcard(vcard);
  if (freeBusyUrl !== undefined) setVcardProp(props, "FBURL;PREF", freeBusyUrl);
  if (!vcardProp(props, "UID")) setVcardProp(props, "UID", uid);
  const euid = vcardProp(props, "UID")!.value;
  const subject = (vcardProp(props, "FN") ?? vcardProp(props, "N"))?.value;
  const body = `Content-type: text/x-vcard\r\n\r\n${serializeVcard(props)}\r\n`;
  return { body, euid, ...(subject === undefined ? {} : { subject }) };
}
