import type { KeyPart } from "../wire/record_key.ts";
import type { PreparedOp } from "./commit.ts";
import type { TableName } from "./tables.ts";

/**
 * A batch of prepared ops laid out for `postMessage` between threads: key bytes and values
 * packed into one buffer (transferred, not copied), hashes in one typed array, and only
 * the small parts (tables, keys, key texts) as structured-clone values. An importer
 * thread prepares ops (key text and bytes, record hash); the thread that owns the store
 * commits them without encoding or hashing them again.
 */
export interface PackedOps {
  tables: TableName[];
  keys: KeyPart[][];
  texts: string[];
  hashes: BigUint64Array;
  /** Per op: start of its key bytes, start of its value, end of its value. */
  offsets: Uint32Array;
  /** 1 where the op deletes (no value). */
  deletes: Uint8Array;
  data: Uint8Array;
}

/** Packs prepared ops; `transfer` is the buffer to hand to postMessage's transfer list. */
export function packOps(ops: PreparedOp[]): { packed: PackedOps; transfer: ArrayBuffer } {
  let size = 0;
  for (const op of ops) size += op.kb.length + (op.value?.length ?? 0);
  const data = new Uint8Array(size);
  const offsets = new Uint32Array(ops.length * 3);
  const hashes = new BigUint64Array(ops.length);
  const deletes = new Uint8Array(ops.length);
  let at = 0;
  ops.forEach((op, i) => {
    offsets[3 * i] = at;
    data.set(op.kb, at);
    at += op.kb.length;
    offsets[3 * i + 1] = at;
    if (op.value === null) deletes[i] = 1;
    else {
      data.set(op.value, at);
      at += op.value.length;
      hashes[i] = op.hash!;
    }
    offsets[3 * i + 2] = at;
  });
  const packed: PackedOps = {
    tables: ops.map((op) => op.table),
    keys: ops.map((op) => op.key),
    texts: ops.map((op) => op.text),
    hashes,
    offsets,
    deletes,
    data,
  };
  return { packed, transfer: data.buffer as ArrayBuffer };
}

/**
 * Op `i` of a packed batch, prepared as it was where it was packed (key and value view the
 * batch's buffer): the store takes it as it is, without checking, encoding or hashing it
 * again.
 */
export function opAt(p: PackedOps, i: number): PreparedOp {
  const kbStart = p.offsets[3 * i];
  const valStart = p.offsets[3 * i + 1];
  const deleted = p.deletes[i] === 1;
  return {
    table: p.tables[i],
    key: p.keys[i],
    value: deleted ? null : p.data.subarray(valStart, p.offsets[3 * i + 2]),
    text: p.texts[i],
    kb: p.data.subarray(kbStart, valStart),
    hash: deleted ? null : p.hashes[i],
  };
}
