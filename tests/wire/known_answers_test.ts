/**
 * The known answers of docs/protocol.md ("Known answers"), computed independently (Python's
 * hashlib and zlib): another implementation of the protocol can check itself against the
 * same table.
 */
import assert from "node:assert/strict";
import { crcHex } from "../../src/wire/chunks.ts";
import { addToDigest, digestHex } from "../../src/wire/digest.ts";
import { recordHash } from "../../src/wire/record_hash.ts";
import { decodeKey, encodeKey, type KeyPart } from "../../src/wire/record_key.ts";
import { encodeRecord } from "../../src/wire/record_stream.ts";
import { concat } from "../../src/wire/bytes.ts";

const enc = new TextEncoder();
const VECTORS: { key: KeyPart[]; keyHex: string; value: Uint8Array; hash: string }[] = [
  {
    key: ["c_nodename"],
    keyHex: "5b22635f6e6f64656e616d65225d",
    value: enc.encode("alpha"),
    hash: "019f1a5184312178",
  },
  { key: [1], keyHex: "5b315d", value: new Uint8Array(0), hash: "01acd49c9f219261" },
  {
    key: ["Lobby", 42],
    keyHex: "5b224c6f626279222c34325d",
    value: enc.encode("Grüße\n"),
    hash: "0514f79ce117270a",
  },
];

Deno.test("known answers: key encoding is the key's JSON text, both ways", () => {
  for (const v of VECTORS) {
    assert.equal(encodeKey(v.key).toHex(), v.keyHex);
    assert.deepEqual(decodeKey(Uint8Array.fromHex(v.keyHex)), v.key);
  }
});

Deno.test("known answers: record hashes and a table digest", () => {
  let digest = 0n;
  for (const v of VECTORS) {
    const h = recordHash(encodeKey(v.key), v.value);
    assert.equal(digestHex(h), v.hash);
    digest = addToDigest(digest, h);
  }
  assert.equal(digestHex(digest), "0860e68b0469dae3");
  // Taking a record out of the digest subtracts its hash modulo 2^64.
  const first = recordHash(encodeKey(VECTORS[0].key), VECTORS[0].value);
  assert.equal(digestHex(addToDigest(addToDigest(0n, first), first, -1)), "0000000000000000");
});

Deno.test("known answers: CRC-32 of CHUNK payloads and the record layout", () => {
  assert.equal(crcHex(enc.encode("123456789")), "cbf43926"); // the CRC-32 check value
  const put = encodeRecord({
    key: encodeKey(["c_nodename"]),
    value: enc.encode("alpha"),
    stamp: 7,
  });
  assert.equal(
    put.toHex(),
    "500000000000000007000e5b22635f6e6f64656e616d65225d00000005616c706861",
  );
  const del = encodeRecord({ key: encodeKey([1]), value: null, stamp: 8 });
  assert.equal(del.toHex(), "44000000000000000800035b315d");
  assert.equal(crcHex(put), "13451f28");
  // One frame holding both records: `CHUNK 48 36b8b02f`.
  const payload = concat([put, del]);
  assert.equal(`CHUNK ${payload.length} ${crcHex(payload)}`, "CHUNK 48 36b8b02f");
});
