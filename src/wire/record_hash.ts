import { createHash } from "node:crypto";

/**
 * The 64-bit hash of one record, the unit of a table's digest: the first 8 bytes, read
 * big-endian, of SHA-256(key length as u32 BE ‖ key bytes ‖ value). `keyBytes` are the
 * key's canonical bytes (`encodeKey`).
 *
 * A table's digest is the sum of its records' hashes modulo 2^64: order-independent (two
 * stores that wrote the same records in different orders agree) and updatable in O(1) with
 * Deno KV's `sum` mutation, which wraps at 2^64 exactly as the digest needs. SHA-256 makes a
 * one-field difference change the digest; 64 bits keep an accidental match negligible.
 */
export function recordHash(keyBytes: Uint8Array, value: Uint8Array): bigint {
  // One buffer for length and key: each `update` is a native call, and most values are
  // small enough that the call count, not the bytes, sets the cost.
  const head = new Uint8Array(4 + keyBytes.length);
  new DataView(head.buffer).setUint32(0, keyBytes.length);
  head.set(keyBytes, 4);
  const d = createHash("sha256").update(head).update(value).digest();
  return new DataView(d.buffer, d.byteOffset, 8).getBigUint64(0);
}
