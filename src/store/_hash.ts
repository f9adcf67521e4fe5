import { createHash } from "node:crypto";

const encoder = new TextEncoder();

/** Canonical bytes of a record key: its JSON text. Keys hold only strings and integers. */
export function encodeKey(key: readonly KeyPart[]): Uint8Array {
  return encoder.encode(JSON.stringify(key));
}

/** One part of a record key: a string (names) or a safe integer (numbers). */
export type KeyPart = string | number;

/** Parses a key's canonical bytes back; throws on anything that is not a key. */
export function decodeKey(bytes: Uint8Array): KeyPart[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new Error("key is not valid JSON text");
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new Error("key is not a non-empty array");
  }
  for (const part of parsed) {
    if (typeof part === "string") continue;
    if (typeof part === "number" && Number.isSafeInteger(part)) continue;
    throw new Error(`key part ${JSON.stringify(part)} is not a string or safe integer`);
  }
  return parsed as KeyPart[];
}

/**
 * The 64-bit hash of one record, the unit of a table's digest.
 *
 * A table's digest is the sum of its records' hashes modulo 2^64: order-independent (two
 * stores that wrote the same records in different orders agree) and updatable in O(1) with
 * Deno KV's `sum` mutation, which wraps at 2^64 exactly as the digest needs. SHA-256 makes a
 * one-field difference change the digest; 64 bits keep an accidental match negligible.
 */
export function recordHash(keyBytes: Uint8Array, value: Uint8Array): bigint {
  const h = createHash("sha256");
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, keyBytes.length);
  h.update(len);
  h.update(keyBytes);
  h.update(value);
  const d = h.digest();
  return new DataView(d.buffer, d.byteOffset, 8).getBigUint64(0);
}

/** A digest as 16 lower-case hex digits, the form used on the wire and in `stats`. */
export function digestHex(x: bigint): string {
  return x.toString(16).padStart(16, "0");
}
