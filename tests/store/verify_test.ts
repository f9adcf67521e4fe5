import assert from "node:assert/strict";
import { CtdlError } from "../../src/errors.ts";
import { Store } from "../../src/store/store.ts";
import { runCli, tempStore } from "../_helpers.ts";

const enc = new TextEncoder();
const put = (key: string, v: string) => ({
  table: "config" as const,
  key: [key],
  value: enc.encode(v),
});

/** A store with a few config records, one deleted (so it has a tombstone), then closed. */
async function smallStore(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const t = await tempStore("ctdlsync-verify-");
  await t.store.write([put("a", "1"), put("b", "2"), put("c", "3"), put("d", "4")]);
  await t.store.write([{ table: "config", key: ["d"], value: null }]);
  await t.store.write([put("e", "5")]);
  await t.store.close();
  return { dir: t.dir, cleanup: t.cleanup };
}

/** Opens the store's KV file directly, as a stray tool would, and lets `fn` damage it. */
async function damage(dir: string, fn: (kv: Deno.Kv) => Promise<void>): Promise<void> {
  const kv = await Deno.openKv(`${dir}/ctdlsync.kv`);
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

async function problems(dir: string): Promise<string[]> {
  const store = await Store.open(dir);
  try {
    return (await store.verifyReport()).problems;
  } finally {
    await store.close();
  }
}

Deno.test("verify: a sound store has no problems, and checks its change log", async () => {
  const { dir, cleanup } = await smallStore();
  try {
    assert.deepEqual(await problems(dir), []);
  } finally {
    await cleanup();
  }
});

Deno.test("verify: damaged record entries and keys are named, never thrown", async () => {
  const { dir, cleanup } = await smallStore();
  try {
    await damage(dir, async (kv) => {
      await kv.set(["r", "config", "a"], "not an entry"); // the `reading 'h'` case of old
      await kv.set(["r", "config", 7n], new Uint8Array([1, 2, 3]));
      await kv.set(["r", "usersbynumber", true], new Uint8Array(40));
    });
    const found = await problems(dir);
    const has = (re: RegExp) => assert.ok(found.some((p) => re.test(p)), `${re}: ${found}`);
    has(/table config, key \["a"\]: entry is not bytes/);
    has(/table config, key \[7n\]: key part 7n/);
    has(/table usersbynumber, key \[true\]/);
    // Reads of the damaged record fail with a CtdlError naming it, not a TypeError.
    const store = await Store.open(dir);
    try {
      await assert.rejects(
        store.get("config", ["a"]),
        (e: Error) => e instanceof CtdlError && /table config, key \["a"\]/.test(e.message),
      );
      await assert.rejects(
        (async () => {
          for await (const _ of store.list("config")) { /* reads every record */ }
        })(),
        (e: Error) => e instanceof CtdlError && /store is damaged: table config/.test(e.message),
      );
    } finally {
      await store.close();
    }
  } finally {
    await cleanup();
  }
});

Deno.test("verify: change-log damage is named both ways", async () => {
  const { dir, cleanup } = await smallStore();
  try {
    await damage(dir, async (kv) => {
      const rows: [Deno.KvKey, unknown][] = [];
      for await (const r of kv.list({ prefix: ["l", "config"] })) rows.push([r.key, r.value]);
      // The first commit's row lists a, b, c (d moved to its tombstone's row).
      const [firstKey, first] = rows[0];
      assert.deepEqual(first, ['["a"]', '["b"]', '["c"]']);
      // Drop b's log entry, point a made-up entry at nothing, add junk rows.
      await kv.set(firstKey, ['["a"]', '["c"]', '["ghost"]', '-["nobody"]', "{junk"]);
      await kv.set(["l", "config", 999, 0], 42);
      await kv.set(["l", "config", 1000, 0, "extra"], ["x"]);
    });
    const found = await problems(dir);
    const has = (re: RegExp) => assert.ok(found.some((p) => re.test(p)), `${re}: ${found}`);
    has(/table config, key \["b"\]: no change-log entry at stamp 1/);
    has(/table config, key \["ghost"\]: change log \[1,0\] names a record that does not exist/);
    has(/table config, key \["nobody"\]: change log \[1,0\] names a tombstone that does not/);
    has(/table config, key \[1,0\]: change log \[1,0\]: entry "\{junk"/);
    has(/table config, key \[999,0\]: change log \[999,0\]: log row is not a list of keys/);
    has(/table config, key \[1000,0,"extra"\]: change-log key is not \[stamp, row\]/);
  } finally {
    await cleanup();
  }
});

Deno.test("verify: a tombstone's log entry that disagrees is named", async () => {
  const { dir, cleanup } = await smallStore();
  try {
    await damage(dir, async (kv) => {
      const rows: Deno.KvKey[] = [];
      for await (const r of kv.list({ prefix: ["l", "config"] })) rows.push(r.key);
      // The delete's row (stamp 2) is moved to another stamp: both ends now disagree.
      const row = (await kv.get(rows[1])).value;
      await kv.delete(rows[1]);
      await kv.set(["l", "config", 50, 0], row);
    });
    const found = await problems(dir);
    const has = (re: RegExp) => assert.ok(found.some((p) => re.test(p)), `${re}: ${found}`);
    has(/table config, key \["d"\]: tombstone has no change-log entry at stamp 2/);
    has(/table config, key \["d"\]: change log \[50,0\] disagrees with the tombstone \(stamp 2/);
  } finally {
    await cleanup();
  }
});

Deno.test("stats --verify names damage by table and key, one line each, exit 1", async () => {
  const { dir, cleanup } = await smallStore();
  try {
    await damage(dir, async (kv) => {
      await kv.set(["r", "config", "b"], { h: 1 });
      await kv.set(["l", "config", 77, 0], ['["b"]']);
    });
    const res = await runCli("stats", "--data", dir, "--verify");
    assert.equal(res.code, 1);
    assert.match(res.stderr, /verify: table config, key \["b"\]: entry is not bytes/);
    assert.match(res.stderr, /verify failed: \d+ problems/);
    assert.doesNotMatch(res.stderr, /TypeError|\n\s+at /);
    // Without --verify, stats reads only the counters and still answers.
    const plain = await runCli("stats", "--data", dir);
    assert.equal(plain.code, 0, plain.stderr);
  } finally {
    await cleanup();
  }
});
