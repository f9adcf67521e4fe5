/** Packed op batches (how the import worker hands prepared ops over) read back as they went in. */
import assert from "node:assert/strict";
import { prepareOp } from "../../src/store/commit.ts";
import { opAt, packOps } from "../../src/store/op_batch.ts";
import type { Op } from "../../src/store/types.ts";

Deno.test("op batch: values, keys, texts, hashes and deletes survive a structured clone", () => {
  const enc = new TextEncoder();
  const ops: Op[] = [
    { table: "messages", key: [7], value: enc.encode("\xffA\x00Mhello\x00") },
    { table: "msglists", key: [3, 7], value: new Uint8Array(0) },
    { table: "config", key: ["c_fqdn"], value: enc.encode("example.org") },
    { table: "users", key: ["zed"], value: null },
  ];
  const prepared = ops.map((op) => prepareOp(op));
  const { packed, transfer } = packOps(prepared);
  // What the other thread receives: a copy, with the buffer moved, not shared.
  const received = structuredClone(packed, { transfer: [transfer] });
  assert.equal(packed.data.byteLength, 0, "the buffer was transferred");
  assert.equal(received.tables.length, ops.length);
  prepared.forEach((p, i) => {
    const op = opAt(received, i);
    assert.equal(op.table, p.table);
    assert.deepEqual(op.key, p.key);
    assert.deepEqual(op.value, p.value);
    assert.equal(op.text, p.text);
    assert.deepEqual(op.kb, p.kb);
    // A delete carries no hash.
    assert.equal(op.hash, p.hash);
    // The store takes it as prepared: prepareOp hands it back untouched.
    assert.equal(prepareOp(op), op);
  });
});
