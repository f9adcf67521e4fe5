import { concat } from "./bytes.ts";

/**
 * The byte layout of records inside a bulk reply's chunks, independent of what the
 * records mean:
 *
 *   put:    'P' stamp:u64 keyLen:u16 key valueLen:u32 value
 *   delete: 'D' stamp:u64 keyLen:u16 key
 *
 * (big-endian). The key is opaque bytes here; the store layer gives them meaning.
 */
export interface WireRecord {
  key: Uint8Array;
  /** null: the record was deleted (a tombstone). */
  value: Uint8Array | null;
  stamp: number;
}

/** Largest key accepted (Deno KV allows 2 KiB a key). */
export const KEY_MAX = 2048;
/** Largest value accepted in one record (the store splits big ones itself). */
export const VALUE_MAX = 1 << 30;

/** Thrown for bytes that are not a valid record stream. */
export class RecordStreamError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "RecordStreamError";
  }
}

/** Encodes one record. */
export function encodeRecord(rec: WireRecord): Uint8Array {
  const head = recordHead(rec);
  return rec.value === null ? head : concat([head, rec.value]);
}

/**
 * A record's bytes up to its value (all of a delete): a writer that sends the value
 * after it, as is, needs no record-sized copy.
 */
export function recordHead(rec: WireRecord): Uint8Array {
  const out = new Uint8Array(1 + 8 + 2 + rec.key.length + (rec.value === null ? 0 : 4));
  const dv = new DataView(out.buffer);
  out[0] = rec.value === null ? 0x44 : 0x50;
  dv.setBigUint64(1, BigInt(rec.stamp));
  dv.setUint16(9, rec.key.length);
  out.set(rec.key, 11);
  if (rec.value !== null) dv.setUint32(11 + rec.key.length, rec.value.length);
  return out;
}

/**
 * Turns chunk payloads back into records. Feed payloads in order with `push`; it returns
 * the records completed so far. `finish` throws if the stream stopped inside a record.
 * Payloads that only continue an unfinished record are held, not joined, until the record
 * is whole: a 1 MB value over sixteen chunks is copied once, not sixteen times.
 */
export class RecordDecoder {
  #parts: Uint8Array[] = [];
  #have = 0;
  /** Bytes needed before the next record can be complete (as far as its header tells). */
  #need = 11;

  /** Adds a payload; returns the records it completes. */
  push(bytes: Uint8Array): WireRecord[] {
    const out: WireRecord[] = [];
    let b = bytes;
    if (this.#have > 0) {
      // Only the record that straddles the payloads is copied together, and only its bytes:
      // the records after it are read where they lie.
      while (true) {
        const take = Math.min(b.length, this.#need - this.#have);
        if (take > 0) {
          this.#parts.push(b.subarray(0, take));
          this.#have += take;
          b = b.subarray(take);
        }
        if (this.#have < this.#need) return out;
        const joined = this.#parts.length === 1 ? this.#parts[0] : concat(this.#parts);
        this.#parts = [joined];
        const end = this.#next(joined, view(joined), 0, out);
        if (end >= 0) break;
      }
      this.#parts = [];
      this.#have = 0;
    }
    const dv = view(b);
    let p = 0;
    while (true) {
      const end = this.#next(b, dv, p, out);
      if (end < 0) break;
      p = end;
    }
    if (p < b.length) {
      this.#parts = [b.subarray(p)];
      this.#have = b.length - p;
    }
    return out;
  }

  /**
   * Decodes the record at `p` into `out` and returns where it ends; or, when it is not
   * whole yet, sets how many bytes it needs and returns -1.
   */
  #next(b: Uint8Array, dv: DataView, p: number, out: WireRecord[]): number {
    this.#need = 11;
    if (b.length - p < 11) return -1;
    const op = b[p];
    if (op !== 0x50 && op !== 0x44) {
      throw new RecordStreamError(`record starts with byte 0x${op.toString(16)}, not 'P' or 'D'`);
    }
    const stamp = dv.getBigUint64(p + 1);
    if (stamp > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new RecordStreamError("record stamp out of range");
    }
    const klen = dv.getUint16(p + 9);
    if (klen === 0 || klen > KEY_MAX) {
      throw new RecordStreamError(`key length ${klen} out of range`);
    }
    const keyEnd = p + 11 + klen;
    if (op === 0x44) {
      this.#need = keyEnd - p;
      if (b.length < keyEnd) return -1;
      out.push({ key: b.subarray(p + 11, keyEnd), value: null, stamp: Number(stamp) });
      return keyEnd;
    }
    this.#need = keyEnd + 4 - p;
    if (b.length < keyEnd + 4) return -1;
    const vlen = dv.getUint32(keyEnd);
    if (vlen > VALUE_MAX) throw new RecordStreamError(`value length ${vlen} out of range`);
    const end = keyEnd + 4 + vlen;
    this.#need = end - p;
    if (b.length < end) return -1;
    // Views, not copies: each payload is a buffer of its own (readFrame copies it out of
    // the socket's), so a record keeps at most its chunks alive, and only while it is held.
    out.push({
      key: b.subarray(p + 11, keyEnd),
      value: b.subarray(keyEnd + 4, end),
      stamp: Number(stamp),
    });
    return end;
  }

  /** Throws if bytes of an unfinished record remain. */
  finish(): void {
    if (this.#have > 0) {
      throw new RecordStreamError(`reply ended inside a record (${this.#have} bytes left)`);
    }
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
