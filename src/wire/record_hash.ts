import { createHash } from "node:crypto";
import { sha256Head64, SMALL_MAX } from "./sha256_small.ts";

/**
 * The hashed prefix, key length (u32 BE) and key bytes, built in one scratch buffer for both
 * paths: a fresh small buffer costs more here than the copy. Keys are at most 2 KiB (KV's
 * limit); a longer one gets its own buffer.
 */
const PREFIX = new Uint8Array(4 + 2048);

/**
 * Records of up to this many bytes (length, key and value) are hashed in JavaScript: below
 * it, the native hash's fixed cost per call is the larger part (measured in
 * docs/performance.md). Message list entries, metadata and most small records qualify.
 */
const JS_MAX = Math.min(SMALL_MAX, 512);

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
  const n = 4 + keyBytes.length;
  const prefix = n <= PREFIX.length ? PREFIX.subarray(0, n) : new Uint8Array(n);
  const k = keyBytes.length;
  prefix[0] = k >>> 24;
  prefix[1] = (k >>> 16) & 0xff;
  prefix[2] = (k >>> 8) & 0xff;
  prefix[3] = k & 0xff;
  prefix.set(keyBytes, 4);
  if (n + value.length <= JS_MAX) return sha256Head64([prefix, value]);
  // Two native calls: the call count, not the bytes, sets the cost of most records.
  const d = createHash("sha256").update(prefix).update(value).digest();
  return new DataView(d.buffer, d.byteOffset, 8).getBigUint64(0);
}
