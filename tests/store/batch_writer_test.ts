import assert from "node:assert/strict";
import { CtdlError } from "../../src/errors.ts";
import { BatchWriter } from "../../src/store/batch_writer.ts";
import { MUTATIONS_MAX } from "../../src/store/commit.ts";
import { tempStore } from "../_helpers.ts";

const enc = new TextEncoder();
const rec = (i: number, v: string) => ({
  table: "usetable" as const,
  key: [`id-${String(i).padStart(5, "0")}`],
  value: enc.encode(v),
});

Deno.test("batch writer: rewrites and deletes over KV's mutation limit split, verify stays clean", async () => {
  const { store, cleanup } = await tempStore();
  try {
    const n = 3000;
    const load = new BatchWriter(store);
    for (let i = 0; i < n; i++) await load.add(rec(i, `${i}`));
    await load.flush();
    const first = await store.stamp();
    // Every record again: each rewrite also edits its old log row, deletes add a tombstone,
    // so batches of 990 need more than 1000 mutations and are split.
    let last = "";
    const again = new BatchWriter(store, { metaFor: () => [{ key: ["cp"], value: last }] });
    for (let i = 0; i < n; i++) {
      // Out of key order, so consecutive batches edit the same older log rows.
      const j = (i * 7) % n;
      await again.add(j % 3 === 0 ? { ...rec(j, "0"), value: null } : rec(j, `${j + 100000}`));
      last = `id-${j}`;
    }
    await again.flush(true);
    assert.equal(again.records, n);
    assert.equal(await store.getMeta(["cp"]), last);
    const report = await store.verifyReport();
    assert.deepEqual(report.problems, []);
    const stats = report.tables.find((t) => t.table === "usetable")!;
    assert.equal(stats.count, n - Math.ceil(n / 3));
    // The change log since the first load holds every record once: live or tombstone.

    let changes = 0;
    for await (const _ of store.changes("usetable", first)) changes++;
    assert.equal(changes, n);
  } finally {
    await cleanup();
  }
});

Deno.test("store: once a batch of a chain fails, later batches are refused, not committed", async () => {
  const { store, cleanup } = await tempStore();
  try {
    const chain: { failed?: unknown } = {};
    const tooMany = Array.from({ length: MUTATIONS_MAX + 1 }, (_, i) => rec(i, "1"));
    const first = store.write(tooMany, [], { chain });
    const second = store.write([rec(5000, "2")], [{ key: ["cp"], value: "past it" }], {
      chain,
    });
    await assert.rejects(first, (e: CtdlError) => e.code === 511);
    await assert.rejects(second, /an earlier batch failed/);
    assert.equal((await store.stats("usetable")).count, 0);
    assert.equal(await store.getMeta(["cp"]), null);
    // Without a chain, the same later write goes through.
    await store.write([rec(5000, "2")]);
    assert.equal((await store.stats("usetable")).count, 1);
  } finally {
    await cleanup();
  }
});

Deno.test("store: writes queued behind each other commit in order with exact counters", async () => {
  const { store, cleanup } = await tempStore();
  try {
    // Many writes in flight at once: each is planned while the one before commits.
    const writes = [];
    for (let b = 0; b < 20; b++) {
      const ops = Array.from({ length: 50 }, (_, i) => rec(b * 25 + i, `${b}`));
      writes.push(store.write(ops));
    }
    const stamps = await Promise.all(writes);
    assert.deepEqual(stamps, stamps.slice().sort((a, b) => a - b));
    // Overlapping keys: the later write wins.
    for (let i = 0; i < 25 * 19 + 50; i++) {
      const b = Math.min(19, Math.floor(i / 25));
      assert.equal(
        new TextDecoder().decode((await store.get("usetable", rec(i, "0").key))!),
        `${b}`,
      );
    }
    assert.deepEqual((await store.verifyReport()).problems, []);
  } finally {
    await cleanup();
  }
});
