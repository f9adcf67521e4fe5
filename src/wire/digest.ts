/**
 * A table's digest: the sum of its records' hashes (`record_hash.ts`) modulo 2^64, so it
 * is order-independent and updatable in O(1). Kept apart from the hash itself so readers
 * of counters (`stats`, `status`) do not load node:crypto.
 */
/** Adds a record's hash to a digest (or, with `sign` -1, takes it out), modulo 2^64. */
export function addToDigest(digest: bigint, hash: bigint, sign: 1 | -1 = 1): bigint {
  return BigInt.asUintN(64, sign === 1 ? digest + hash : digest - hash);
}

/** A digest as 16 lower-case hex digits, the form used on the wire and in `stats`. */
export function digestHex(x: bigint): string {
  return x.toString(16).padStart(16, "0");
}
