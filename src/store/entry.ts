import { CtdlError } from "../errors.ts";
import { describeKey } from "../wire/record_key.ts";

/**
 * How a record, a tombstone and a change-log row sit in KV (docs/storage.md). Entries are
 * raw bytes, not structured-clone objects: KV stores a Uint8Array as it is, which is
 * measurably cheaper per record than serialising an object around the value.
 *
 * Entry bytes: kind (1 byte), stamp s (u64 BE), log row g (u32 BE), then for records the
 * hash h (u64 BE) and value size n (u32 BE), then the value (inline) or the blob's part
 * count (u32 BE) and id (ASCII). Every integer is big-endian.
 */
export interface Entry {
  s: number;
  g: number;
  h: bigint;
  n: number;
  v?: Uint8Array;
  b?: { id: string; parts: number };
}

/** A tombstone: the record was deleted at stamp `s`; its log entry is in row `g`. */
export interface Tomb {
  s: number;
  g: number;
}

/** Values up to this size sit inline in their entry; KV allows 64 KiB a value. */
export const INLINE_MAX = 60 * 1024;

const INLINE = 1;
const BLOB = 2;
const TOMB = 3;
const HEAD = 25;
const ascii = new TextEncoder();
const unascii = new TextDecoder();

/** Bytes an inline entry of a `size`-byte value takes. */
export function inlineEntrySize(size: number): number {
  return HEAD + size;
}

/**
 * Entry bytes of a record whose value is inline, written into `out` when given (a slice of
 * a buffer shared by the entries of one commit: one allocation instead of one per record).
 */
export function inlineEntry(
  s: number,
  g: number,
  h: bigint,
  value: Uint8Array,
  out: Uint8Array = new Uint8Array(HEAD + value.length),
): Uint8Array {
  head(out, INLINE, s, g, h, value.length);
  out.set(value, HEAD);
  return out;
}

/** Entry bytes of a record whose value is in blob parts. */
export function blobEntry(
  s: number,
  g: number,
  h: bigint,
  n: number,
  blob: { id: string; parts: number },
): Uint8Array {
  const id = ascii.encode(blob.id);
  const out = new Uint8Array(HEAD + 4 + id.length);
  head(out, BLOB, s, g, h, n);
  new DataView(out.buffer).setUint32(HEAD, blob.parts);
  out.set(id, HEAD + 4);
  return out;
}

/** Entry bytes of a tombstone. */
export function tombEntry(s: number, g: number): Uint8Array {
  const out = new Uint8Array(13);
  const dv = new DataView(out.buffer);
  out[0] = TOMB;
  dv.setBigUint64(1, BigInt(s));
  dv.setUint32(9, g);
  return out;
}

function head(out: Uint8Array, kind: number, s: number, g: number, h: bigint, n: number) {
  const dv = new DataView(out.buffer, out.byteOffset, HEAD);
  out[0] = kind;
  dv.setBigUint64(1, BigInt(s));
  dv.setUint32(9, g);
  dv.setBigUint64(13, h);
  dv.setUint32(21, n);
}

/** Reads a record entry; throws a DamageError saying what is wrong with it. */
export function readEntry(raw: unknown): Entry {
  if (!(raw instanceof Uint8Array)) throw new DamageError("entry is not bytes");
  if (raw.length < HEAD || (raw[0] !== INLINE && raw[0] !== BLOB)) {
    throw new DamageError("entry is not a record entry");
  }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const e: Entry = {
    s: Number(dv.getBigUint64(1)),
    g: dv.getUint32(9),
    h: dv.getBigUint64(13),
    n: dv.getUint32(21),
  };
  if (raw[0] === INLINE) {
    e.v = raw.subarray(HEAD);
    if (e.v.length !== e.n) throw new DamageError("entry size does not match its value");
  } else {
    if (raw.length < HEAD + 5) throw new DamageError("blob entry is cut short");
    e.b = { parts: dv.getUint32(HEAD), id: unascii.decode(raw.subarray(HEAD + 4)) };
  }
  return e;
}

/** Reads a tombstone entry; throws a DamageError saying what is wrong with it. */
export function readTomb(raw: unknown): Tomb {
  if (!(raw instanceof Uint8Array) || raw.length !== 13 || raw[0] !== TOMB) {
    throw new DamageError("tombstone is not a tombstone entry");
  }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return { s: Number(dv.getBigUint64(1)), g: dv.getUint32(9) };
}

/**
 * A change-log row `["l", table, s, g]`: the key texts (JSON) of the records written in
 * commit `s`, a tombstone's prefixed with `-`. One row holds many records, so a bulk
 * load writes one log row per few hundred records instead of one per record.
 */
export type LogRow = string[];

/** Marks a tombstone's key text in a log row. */
export const TOMB_MARK = "-";

/** Keeps a log row well under KV's 64 KiB a value (two bytes a character at worst). */
export const LOG_ROW_CHARS = 24 * 1024;

/** Reads a log row; throws a DamageError when it is not a list of key texts. */
export function readLogRow(raw: unknown): LogRow {
  if (!Array.isArray(raw) || raw.some((t) => typeof t !== "string")) {
    throw new DamageError("log row is not a list of keys");
  }
  return raw;
}

/** Something in the KV file that is not what this build wrote; the message says what. */
export class DamageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DamageError";
  }
}

/** The CtdlError for a damaged record, naming table and key. */
export function damaged(table: string, key: readonly unknown[], why: string): CtdlError {
  return new CtdlError(
    510,
    `store is damaged: table ${table}, key ${describeKey(key)}: ${why}`,
  );
}
