import { createHash } from "node:crypto";
import { sha256Head64, SMALL_MAX } from "./sha256_small.ts";

const LENGTH = new Uint8Array(4);
/** Length and key of the native path; keys are at most 2 KiB (KV's limit). */
const HEAD = new Uint8Array(4 + 2048);
const LENGTH_VIEW = new DataView(LENGTH.buffer);

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
  if (4 + keyBytes.length + value.length <= JS_MAX) {
    LENGTH_VIEW.setUint32(0, keyBytes.length);
    return sha256Head64([LENGTH, keyBytes, value]);
  }
  // One buffer for length and key (a scratch one: a fresh small buffer costs more than the
  // copy): each `update` is a native call, and the call count, not the bytes, sets the cost.
  const head = keyBytes.length + 4 <= HEAD.length ? HEAD : new Uint8Array(4 + keyBytes.length);
  new DataView(head.buffer).setUint32(0, keyBytes.length);
  head.set(keyBytes, 4);
  const d = createHash("sha256").update(head.subarray(0, 4 + keyBytes.length)).update(value)
    .digest();
  return new DataView(d.buffer, d.byteOffset, 8).getBigUint64(0);
}
