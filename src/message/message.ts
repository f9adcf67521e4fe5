/** One field of a message: a one-letter type (A author, M text ...) and its raw bytes. */
export interface MessageField {
  type: string;
  value: Uint8Array;
}

/**
 * A Citadel message in its on-disk form: 0xFF, the anonymous byte (65 normal, 66
 * anonymous-only, 67 anonymous-optional), the format byte (0 variformat, 1 fixed, 4 MIME),
 * then fields in their original order.
 */
export interface CitadelMessage {
  anon: number;
  format: number;
  fields: MessageField[];
}

/** Bytes that are not a Citadel message; the reason says where. */
export class MessageFormatError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "MessageFormatError";
  }
}

/** The order Citadel 902 writes fields in; M (the text) is always last. */
export const FIELD_ORDER = "IPTAFONHRDBCEWJKLSVYU012M";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Parses the on-disk format strictly. Field order and unknown letters are kept, so
 * `serializeMessage(parseMessage(b))` gives back `b` byte for byte.
 */
export function parseMessage(bytes: Uint8Array): CitadelMessage {
  if (bytes.length === 0) throw new MessageFormatError("message is empty");
  if (bytes[0] !== 0xff) {
    throw new MessageFormatError(`byte 0 is 0x${bytes[0].toString(16).padStart(2, "0")}, not 0xFF`);
  }
  if (bytes.length < 3) throw new MessageFormatError("message ends inside its 3-byte header");
  const fields: MessageField[] = [];
  let p = 3;
  while (p < bytes.length) {
    const type = bytes[p];
    const end = bytes.indexOf(0, p + 1);
    if (end < 0) {
      throw new MessageFormatError(
        `field '${String.fromCharCode(type)}' at byte ${p} has no NUL terminator`,
      );
    }
    fields.push({ type: String.fromCharCode(type), value: bytes.slice(p + 1, end) });
    p = end + 1;
  }
  return { anon: bytes[1], format: bytes[2], fields };
}

/** Writes the on-disk format. */
export function serializeMessage(msg: CitadelMessage): Uint8Array {
  let size = 3;
  for (const f of msg.fields) {
    if (f.type.length !== 1 || f.type.charCodeAt(0) > 0xff || f.type === "\0") {
      throw new MessageFormatError(`field type '${f.type}' is not one byte`);
    }
    if (f.value.includes(0)) throw new MessageFormatError(`field '${f.type}' contains a NUL byte`);
    size += f.value.length + 2;
  }
  const out = new Uint8Array(size);
  out[0] = 0xff;
  out[1] = msg.anon;
  out[2] = msg.format;
  let p = 3;
  for (const f of msg.fields) {
    out[p++] = f.type.charCodeAt(0);
    out.set(f.value, p);
    p += f.value.length;
    out[p++] = 0;
  }
  return out;
}

/** A field's raw bytes, or undefined. */
export function fieldBytes(msg: CitadelMessage, type: string): Uint8Array | undefined {
  return msg.fields.find((f) => f.type === type)?.value;
}

/** A field as text (UTF-8, invalid bytes replaced), or undefined. */
export function fieldText(msg: CitadelMessage, type: string): string | undefined {
  const v = fieldBytes(msg, type);
  return v === undefined ? undefined : decoder.decode(v);
}

function rank(type: string): number {
  const i = FIELD_ORDER.indexOf(type);
  return i < 0 ? FIELD_ORDER.length - 1 : i; // unknown letters go just before M
}

/**
 * Returns a copy with the field set: replaced where it is, else inserted where Citadel's
 * write order puts it.
 */
export function setField(
  msg: CitadelMessage,
  type: string,
  value: string | Uint8Array,
): CitadelMessage {
  const bytes = typeof value === "string" ? encoder.encode(value) : value;
  const fields = msg.fields.slice();
  const at = fields.findIndex((f) => f.type === type);
  if (at >= 0) {
    fields[at] = { type, value: bytes };
  } else {
    let i = fields.length;
    while (i > 0 && rank(fields[i - 1].type) > rank(type)) i--;
    fields.splice(i, 0, { type, value: bytes });
  }
  return { ...msg, fields };
}

/** Returns a copy without the field. */
export function removeField(msg: CitadelMessage, type: string): CitadelMessage {
  return { ...msg, fields: msg.fields.filter((f) => f.type !== type) };
}

/** Builds a message with its fields in Citadel's 902 write order. */
export function newMessage(
  opts: { anon?: number; format?: number; fields: Record<string, string | Uint8Array> },
): CitadelMessage {
  let msg: CitadelMessage = { anon: opts.anon ?? 65, format: opts.format ?? 0, fields: [] };
  for (const [type, value] of Object.entries(opts.fields)) msg = setField(msg, type, value);
  return msg;
}
