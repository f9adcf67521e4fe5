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

/** Adds a record's hash to a digest (or, with `sign` -1, takes it out), modulo 2^64. */
export function addToDigest(digest: bigint, hash: bigint, sign: 1 | -1 = 1): bigint {
  return BigInt.asUintN(64, sign === 1 ? digest + hash : digest - hash);
}

/** A digest as 16 lower-case hex digits, the form used on the wire and in `stats`. */
export function digestHex(x: bigint): string {
  return x.toString(16).padStart(16, "0");
}
