/**
 * Citadel's serialized message: the bytes Citadel keeps in CDB_MSGMAIN, sends between servers
 * and base64-encodes into `<msg_text>` in a MIGR export.
 *
 * Layout: `0xFF`, anon type byte, format byte, then fields, each one type letter followed by a
 * NUL-terminated value. Values are bytes, not text: real exports carry double-encoded UTF-8 and
 * other dirty input, and a sync must hand every message on byte for byte.
 *
 * @module
 */

/** One field of a message: a one-letter type (`"A"`, `"M"`, `"0"`, …) and its raw value. */
export interface MessageField {
  /** The type letter, exactly one printable ASCII character. */
  type: string;
  /** The value bytes, without the NUL that ends them on disk. */
  value: Uint8Array;
}

/** A parsed Citadel message, kept in the exact field order of its bytes. */
export interface CitadelMessage {
  /** 65 normal, 66 anonymous-only room, 67 anonymous-optional room (see {@link ANON_TYPES}). */
  anon: number;
  /** 0 Citadel variformat, 1 fixed, 4 MIME with headers inside M (see {@link MESSAGE_FORMATS}). */
  format: number;
  /** Fields in on-disk order; a letter Citadel does not know is kept, not dropped. */
  fields: MessageField[];
}

/** A message that Citadel would not read back, with the reason as one line. */
export class MessageFormatError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "MessageFormatError";
  }
}

/** The first byte of every serialized message (Citadel writes it as `(char)-1`). */
export const MESSAGE_MAGIC = 0xff;

/** The anon-type bytes Citadel writes: MES_NORMAL, MES_ANONONLY, MES_ANONOPT. */
export const ANON_TYPES: readonly number[] = Object.freeze([65, 66, 67]);

/** The anon types by name: a normal message, one from an anonymous-only room, one whose
 * author chose to be anonymous in an anonymous-optional room. */
export const AnonType = { NORMAL: 65, ANON_ONLY: 66, ANON_OPTION: 67 } as const;

/** The format bytes Citadel writes: FMT_CITADEL, FMT_FIXED, FMT_RFC822. */
export const MESSAGE_FORMATS: readonly number[] = Object.freeze([0, 1, 4]);

/**
 * The order in which Citadel 902 writes known fields. New fields go into this position so our
 * bytes match what a real server would produce for the same message; M (the text) is always last
 * because Citadel's loaders stop caring after it and BIGMSGS splits it off.
 */
export const FIELD_ORDER = "IPTAFONHRDBCEWJKLSVYU012M";

const utf8Encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF in the text instead of silently eating it.
const utf8Decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

function hex(byte: number): string {
  return "0x" + byte.toString(16).toUpperCase().padStart(2, "0");
}

function isTypeByte(byte: number): boolean {
  return byte > 0x20 && byte < 0x7f;
}

function describeType(byte: number): string {
  return isTypeByte(byte) ? `'${String.fromCharCode(byte)}'` : hex(byte);
}

function checkHeader(anon: number, format: number): void {
  if (!ANON_TYPES.includes(anon)) {
    throw new MessageFormatError(`anon type ${anon} is not one of 65, 66, 67`);
  }
  if (!MESSAGE_FORMATS.includes(format)) {
    throw new MessageFormatError(`format ${format} is not one of 0, 1, 4`);
  }
}

function checkType(type: string): number {
  const code = type.length === 1 ? type.charCodeAt(0) : -1;
  if (!isTypeByte(code)) {
    throw new MessageFormatError(
      `field type ${JSON.stringify(type)} is not exactly one printable ASCII byte`,
    );
  }
  return code;
}

function checkValue(type: string, value: Uint8Array): void {
  const nul = value.indexOf(0);
  if (nul >= 0) {
    throw new MessageFormatError(
      `field '${type}' has a NUL at offset ${nul}; Citadel values end at the first NUL`,
    );
  }
}

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === "string" ? utf8Encoder.encode(value) : value;
}

/**
 * Parses the on-disk bytes of a message.
 *
 * With `opts.view`, field values view `bytes` instead of copying them (the importer, which
 * stores `bytes` as they are and drops the parsed message at once).
 *
 * Strict on purpose: a wrong magic byte, an unknown anon type or format, or a field cut off before
 * its NUL means the bytes were truncated or are not a message at all, and storing them would
 * hand garbage to every client that syncs. Anything that parses serializes back to the same bytes.
 *
 * @example
 * ```ts
 * const msg = parseMessage(new Uint8Array([0xff, 65, 0, 0x4d, 0x68, 0x69, 0]));
 * fieldText(msg, "M"); // "hi"
 * ```
 */
export function parseMessage(bytes: Uint8Array, opts: { view?: boolean } = {}): CitadelMessage {
  if (bytes.length === 0) throw new MessageFormatError("message is empty");
  if (bytes[0] !== MESSAGE_MAGIC) {
    throw new MessageFormatError(`byte 0 is ${hex(bytes[0])}, not 0xFF`);
  }
  if (bytes.length < 3) {
    throw new MessageFormatError(
      `message is ${bytes.length} bytes, shorter than the 3-byte header`,
    );
  }
  const anon = bytes[1];
  const format = bytes[2];
  checkHeader(anon, format);
  const fields: MessageField[] = [];
  let pos = 3;
  while (pos < bytes.length) {
    const typeByte = bytes[pos];
    if (!isTypeByte(typeByte)) {
      throw new MessageFormatError(
        `byte ${pos} is ${hex(typeByte)} where a field type letter should be`,
      );
    }
    const end = bytes.indexOf(0, pos + 1);
    if (end < 0) {
      throw new MessageFormatError(
        `field ${describeType(typeByte)} at byte ${pos} has no NUL terminator`,
      );
    }
    // slice, not subarray: a parsed message must not pin or alias the caller's buffer,
    // unless the caller keeps those bytes anyway and asks for views (`opts.view`).
    const value = opts.view ? bytes.subarray(pos + 1, end) : bytes.slice(pos + 1, end);
    fields.push({ type: String.fromCharCode(typeByte), value });
    pos = end + 1;
  }
  return { anon, format, fields };
}

/**
 * Serializes a message to Citadel's on-disk bytes, fields in the order given.
 *
 * Throws {@link MessageFormatError} for what Citadel could not read back: a value containing
 * NUL (it would end the field early), a type that is not one ASCII byte, or a bad header.
 */
export function serializeMessage(msg: CitadelMessage): Uint8Array {
  checkHeader(msg.anon, msg.format);
  let length = 3;
  for (const field of msg.fields) {
    checkType(field.type);
    checkValue(field.type, field.value);
    length += field.value.length + 2;
  }
  const out = new Uint8Array(length);
  out[0] = MESSAGE_MAGIC;
  out[1] = msg.anon;
  out[2] = msg.format;
  let pos = 3;
  for (const field of msg.fields) {
    out[pos++] = field.type.charCodeAt(0);
    out.set(field.value, pos);
    pos += field.value.length;
    out[pos++] = 0;
  }
  return out;
}

/**
 * The raw value of field `type`, or undefined when absent.
 *
 * When a letter occurs twice the last one wins, as in Citadel, whose loader stores fields in an
 * array indexed by letter. The returned array is the message's own; do not modify it.
 */
export function fieldBytes(msg: CitadelMessage, type: string): Uint8Array | undefined {
  for (let i = msg.fields.length - 1; i >= 0; i--) {
    if (msg.fields[i].type === type) return msg.fields[i].value;
  }
  return undefined;
}

/**
 * The value of field `type` decoded as UTF-8, or undefined when absent.
 *
 * Decoding never throws: invalid sequences become U+FFFD, because real Citadel data holds
 * Latin-1 and double-encoded text. Use {@link fieldBytes} when the exact bytes matter.
 */
export function fieldText(msg: CitadelMessage, type: string): string | undefined {
  const value = fieldBytes(msg, type);
  return value === undefined ? undefined : utf8Decoder.decode(value);
}

// Letters Citadel does not know sort just before M, so M stays last.
function writeRank(type: string): number {
  const rank = FIELD_ORDER.indexOf(type);
  return rank >= 0 ? rank : FIELD_ORDER.length - 1.5;
}

/**
 * A copy of `msg` with field `type` set to `value` (strings are UTF-8 encoded).
 *
 * An existing field keeps its position and any repeats of the letter are dropped; a new field
 * goes where Citadel 902 would write it ({@link FIELD_ORDER}), so `setField` on a message
 * Citadel wrote gives the bytes Citadel would write.
 */
export function setField(
  msg: CitadelMessage,
  type: string,
  value: string | Uint8Array,
): CitadelMessage {
  checkType(type);
  const bytes = toBytes(value);
  checkValue(type, bytes);
  const fields: MessageField[] = [];
  let placed = false;
  for (const field of msg.fields) {
    if (field.type !== type) fields.push(field);
    else if (!placed) {
      fields.push({ type, value: bytes });
      placed = true;
    }
  }
  if (!placed) {
    const rank = writeRank(type);
    const at = fields.findIndex((f) => writeRank(f.type) > rank);
    fields.splice(at < 0 ? fields.length : at, 0, { type, value: bytes });
  }
  return { anon: msg.anon, format: msg.format, fields };
}

/** A copy of `msg` without any field of letter `type`. */
export function removeField(msg: CitadelMessage, type: string): CitadelMessage {
  return {
    anon: msg.anon,
    format: msg.format,
    fields: msg.fields.filter((f) => f.type !== type),
  };
}

/** What {@link newMessage} needs: header bytes (default 65 and 0) and the fields by letter. */
export interface NewMessageOptions {
  /** Anon type, default 65 (normal). */
  anon?: number;
  /** Format, default 0 (Citadel variformat). */
  format?: number;
  /** Field values by letter; strings are UTF-8 encoded. */
  fields: Record<string, string | Uint8Array>;
}

/**
 * Builds a message with its fields in Citadel 902's write order, whatever the object's key order
 * (JavaScript lists keys "0", "1", "2" first, which Citadel writes after U).
 *
 * @example
 * ```ts
 * const msg = newMessage({ fields: { M: "hello\n", A: "Alice", T: "1700000000" } });
 * msg.fields.map((f) => f.type).join(""); // "TAM"
 * ```
 */
export function newMessage(options: NewMessageOptions): CitadelMessage {
  const anon = options.anon ?? 65;
  const format = options.format ?? 0;
  checkHeader(anon, format);
  const fields = Object.entries(options.fields).map(([type, value]): MessageField => {
    checkType(type);
    const bytes = toBytes(value);
    checkValue(type, bytes);
    return { type, value: bytes };
  });
  fields.sort((a, b) => writeRank(a.type) - writeRank(b.type));
  return { anon, format, fields };
}
