/** The JavaScript SHA-256 for short records agrees with the native one and with FIPS 180-4. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { recordHash } from "../../src/wire/record_hash.ts";
import { sha256Head64, SMALL_MAX } from "../../src/wire/sha256_small.ts";
import { prng } from "../../src/tools/prng.ts";

function nativeHead64(parts: Uint8Array[]): bigint {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  const d = h.digest();
  return new DataView(d.buffer, d.byteOffset, 8).getBigUint64(0);
}

const enc = new TextEncoder();

Deno.test("sha256 (JS): FIPS 180-4 examples, first 8 bytes", () => {
  assert.equal(sha256Head64([enc.encode("abc")]).toString(16), "ba7816bf8f01cfea");
  assert.equal(sha256Head64([]).toString(16), "e3b0c44298fc1c14");
  // Two blocks: the 56-byte example of the standard.
  const two = enc.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
  assert.equal(sha256Head64([two]).toString(16), "248d6a61d20638b8");
});

Deno.test("sha256 (JS): every length it takes, split anywhere, matches the native hash", () => {
  const rnd = prng(13);
  for (let n = 0; n <= SMALL_MAX; n++) {
    const bytes = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
    const cut = Math.floor(rnd() * (n + 1));
    const parts = [bytes.subarray(0, cut), bytes.subarray(cut)];
    assert.equal(sha256Head64(parts), nativeHead64(parts), `length ${n}`);
  }
});

Deno.test("recordHash: the same on both sides of the JavaScript/native boundary", () => {
  const rnd = prng(14);
  const key = enc.encode('["msglists",123,456]');
  for (let n = 0; n < 1200; n += 7) {
    const value = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, key.length);
    assert.equal(recordHash(key, value), nativeHead64([length, key, value]), `value of ${n}`);
  }
});
