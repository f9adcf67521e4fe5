import assert from "node:assert/strict";
import { CtdlError } from "../../src/errors.ts";
import { newMessage, serializeMessage } from "../../src/message/message.ts";
import { getMessage, postMessage } from "../../src/store/messages.ts";
import { listRoomFiles, readRoomFile, roomFileOp } from "../../src/store/room_files.ts";
import { createRoom, getRoom, roomMessages } from "../../src/store/rooms.ts";
import { MUTATIONS_MAX } from "../../src/store/commit.ts";
import { INLINE_MAX } from "../../src/store/store.ts";
import { compareKeys } from "../../src/wire/record_key.ts";
import { replaceValue } from "./_damage.ts";
import { TABLE_NAMES } from "../../src/store/tables.ts";
import { checkPassword, createUser, getUser, getUserByNumber } from "../../src/store/users.ts";
import { fixtureStore, tempStore } from "../_helpers.ts";

const enc = new TextEncoder();
const put = (key: string, v: string) => ({
  table: "config" as const,
  key: [key],
  value: enc.encode(v),
});

Deno.test("digest: same records in a different order give the same digest", async () => {
  const a = await tempStore();
  const b = await tempStore();
  try {
    await a.store.write([put("x", "1"), put("y", "2")]);
    await a.store.write([put("z", "3")]);
    await b.store.write([put("z", "3")]);
    await b.store.write([put("y", "2")]);
    await b.store.write([put("x", "1")]);
    const [sa, sb] = [await a.store.stats("config"), await b.store.stats("config")];
    assert.equal(sa.count, 3);
    assert.equal(sa.digest, sb.digest);
    assert.equal(sa.bytes, sb.bytes);
    assert.notEqual(sa.digest, "0000000000000000");
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});

Deno.test("digest: one different field changes it; restoring the field restores it", async () => {
  const { store, cleanup } = await tempStore();
  try {
    await store.write([put("c_nodename", "alpha"), put("c_fqdn", "a.example.org")]);
    const before = (await store.stats("config")).digest;
    await store.write([put("c_nodename", "alphb")]);
    const changed = (await store.stats("config")).digest;
    assert.notEqual(changed, before);
    await store.write([put("c_nodename", "alpha")]);
    assert.equal((await store.stats("config")).digest, before);
    await store.write([{ table: "config", key: ["c_fqdn"], value: null }]);
    assert.equal((await store.stats("config")).count, 1);
  } finally {
    await cleanup();
  }
});

Deno.test("changes: a range read since a stamp returns puts and tombstones in order", async () => {
  const { store, cleanup } = await tempStore();
  try {
    const s1 = await store.write([put("a", "1"), put("b", "2")]);
    const s2 = await store.write([put("a", "changed")]);
    const s3 = await store.write([{ table: "config", key: ["b"], value: null }]);
    assert.ok(s1 < s2 && s2 < s3);
    const all = [];
    for await (const c of store.changes("config", s1)) all.push(c);
    assert.deepEqual(all.map((c) => [c.key[0], c.stamp, c.value === null]), [["a", s2, false], [
      "b",
      s3,
      true,
    ]]);
    // Writing the same bytes again is not a change.
    assert.equal(await store.write([put("a", "changed")]), s3);
    // Re-creating a deleted record removes its tombstone from the log.
    const s5 = await store.write([put("b", "back")]);
    const after = [];
    for await (const c of store.changes("config", s3 - 1)) after.push(c);
    assert.deepEqual(after.map((c) => [c.key[0], c.stamp, c.value === null]), [["b", s5, false]]);
  } finally {
    await cleanup();
  }
});

Deno.test("atomicity: a post that fails leaves nothing half-written", async () => {
  const { store, cleanup } = await tempStore();
  try {
    await createRoom(store, { name: "Lobby" });
    const before = await store.stamp();
    const msg = newMessage({ fields: { A: "X", M: "hello\n" } });
    await assert.rejects(
      postMessage(store, ["Lobby", "No Such Room"], msg),
      (e: CtdlError) => e.code === 572,
    );
    assert.equal(await store.stamp(), before);
    for (const t of ["messages", "msgmeta", "msglists"] as const) {
      assert.equal((await store.stats(t)).count, 0);
    }
    // A commit over KV's limits is refused whole, before anything is written.
    const many = Array.from({ length: MUTATIONS_MAX + 1 }, (_, i) => put(`k${i}`, "v"));
    await assert.rejects(store.write(many), (e: CtdlError) => e.code === 511);
    assert.equal((await store.stats("config")).count, 0);
    // A bad key is refused whole too, even after good ops in the same commit.
    await assert.rejects(
      store.write([put("good", "1"), {
        table: "floors",
        key: ["not-a-number"],
        value: enc.encode("{}"),
      }]),
      (e: CtdlError) => e.code === 512,
    );
    assert.equal((await store.stats("config")).count, 0);
  } finally {
    await cleanup();
  }
});

Deno.test("big message and big room file come back byte for byte", async () => {
  const { store, cleanup } = await tempStore();
  try {
    await createRoom(store, { name: "Lobby" });
    const body = Array.from({ length: 30_000 }, (_, i) => `line ${i}`).join("\n");
    const msg = newMessage({ fields: { A: "Big", U: "big", M: body } });
    const bytes = serializeMessage(msg);
    assert.ok(bytes.length > 3 * INLINE_MAX);
    const { msgnum } = await postMessage(store, ["Lobby"], msg);
    assert.deepEqual(await store.get("messages", [msgnum]), bytes);
    assert.deepEqual(serializeMessage((await getMessage(store, msgnum))!), bytes);
    const data = Uint8Array.from({ length: 1_000_000 }, (_, i) => (i * 7919) & 255);
    await store.write([
      roomFileOp("lib", "big.bin", {
        mimetype: "application/octet-stream",
        description: "big",
        mtime: 1,
      }, data),
    ]);
    const [file] = await listRoomFiles(store, "lib");
    assert.equal(file.size, data.length);
    assert.equal(file.description, "big");
    assert.deepEqual(await readRoomFile(store, "lib", "big.bin", 0, data.length), data);
    assert.deepEqual(
      await readRoomFile(store, "lib", "big.bin", 123_456, 4096),
      data.subarray(123_456, 123_456 + 4096),
    );
    // Replacing the big file frees its parts.
    await store.write([
      roomFileOp(
        "lib",
        "big.bin",
        { mimetype: "text/plain", description: "small", mtime: 2 },
        enc.encode("x"),
      ),
    ]);
    let parts = 0;
    for await (const _ of store.kv.list({ prefix: ["b"] })) parts++;
    const msgParts = Math.ceil(bytes.length / INLINE_MAX);
    assert.equal(parts, msgParts);
    await store.verify();
  } finally {
    await cleanup();
  }
});

Deno.test("EUID rule: a newer item replaces the held one, an older one is dropped", async () => {
  const { store, cleanup } = await tempStore();
  try {
    await createRoom(store, { name: "Contacts" });
    const card = (t: number, m: string) =>
      newMessage({ format: 4, fields: { T: String(t), E: "uid-1", M: m } });
    const first = await postMessage(store, ["Contacts"], card(100, "v1"));
    const second = await postMessage(store, ["Contacts"], card(200, "v2"));
    assert.equal(second.replaced, first.msgnum);
    const room = (await getRoom(store, "Contacts"))!;
    assert.deepEqual(await roomMessages(store, room.number), [second.msgnum]);
    assert.equal(await store.get("messages", [first.msgnum]), null);
    const dropped = await postMessage(store, ["Contacts"], card(50, "old"));
    assert.equal(dropped.msgnum, 0);
    assert.deepEqual(await roomMessages(store, room.number), [second.msgnum]);
    assert.equal(await store.getDecoded("euidindex", [room.number, "uid-1"]), second.msgnum);
  } finally {
    await cleanup();
  }
});

Deno.test("users: indexed by name and number, password kept as a salted hash", async () => {
  const { store, cleanup } = await tempStore();
  try {
    const u = await createUser(
      store,
      { fullname: "Dana O'Brien", emailaddrs: "dana@example.org" },
      "Open Sesame",
    );
    assert.equal(u.usernum, 1);
    assert.ok(u.password.startsWith("pbkdf2-sha256$"));
    assert.ok(!u.password.includes("Sesame"));
    assert.equal((await getUser(store, "dana obrien"))?.usernum, 1);
    assert.equal((await getUserByNumber(store, 1))?.fullname, "Dana O'Brien");
    assert.ok(
      await checkPassword(u.password, "open  sesame"),
      "Citadel compares case-insensitively",
    );
    assert.ok(!await checkPassword(u.password, "open sesam"));
    assert.equal(await store.getDecoded("directory", ["dana@example.org"]), "Dana O'Brien");
    await assert.rejects(
      createUser(store, { fullname: "DANA OBRIEN" }),
      (e: CtdlError) => e.code === 574,
    );
    const v = await createUser(store, { fullname: "Second" });
    assert.equal(v.usernum, 2, "user numbers are never reused");
  } finally {
    await cleanup();
  }
});

Deno.test("fixture: every table has records, and counters match a full recount", async () => {
  const { store, cleanup } = await fixtureStore();
  try {
    const kept = [];
    for (const t of TABLE_NAMES) {
      const stats = await store.stats(t);
      assert.ok(stats.count > 0, `table ${t} is empty`);
      // An independent recount: every record listed, its bytes added up.
      let count = 0;
      let bytes = 0;
      for await (const rec of store.list(t)) {
        count++;
        bytes += rec.value.length;
      }
      assert.deepEqual([stats.count, stats.bytes], [count, bytes], `table ${t}: counters`);
      kept.push(stats);
    }
    // verify recomputes every hash and digest and returns the counters it checked.
    assert.deepEqual(await store.verify(), kept);
  } finally {
    await cleanup();
  }
});

Deno.test("verify: a corrupt record is named by table and key", async () => {
  const { store, cleanup } = await tempStore();
  try {
    await store.write([{
      table: "floors",
      key: [1],
      value: enc.encode('{"flags":1,"name":"F","refcount":0,"ep_mode":0,"ep_value":0}'),
    }]);
    await store.verify();
    await replaceValue(store.kv, ["r", "floors", 1], enc.encode('{"flags":"x"}'));
    await assert.rejects(store.verify(), (e: Error) => /table floors, key \[1\]/.test(e.message));
  } finally {
    await cleanup();
  }
});

Deno.test("compareKeys orders keys exactly as KV lists them", async () => {
  const { store, cleanup } = await tempStore();
  try {
    const names = ["b", "a", "ä", "B", "", "aa", "a b", "z", "é", "0000000001.Mail", "Zz"];
    const ops = [];
    for (const [i, n] of names.entries()) {
      for (const e of [n, n + "x"]) {
        ops.push({ table: "euidindex" as const, key: [i % 3, e], value: enc.encode("1") });
      }
    }
    await store.write(ops);
    const listed = await Array.fromAsync(store.keys("euidindex"));
    const sorted = listed.slice().sort(compareKeys);
    assert.deepEqual(sorted, listed);
    assert.ok(compareKeys([1, "a"], [1, "a"]) === 0 && compareKeys([2], [10]) < 0);
  } finally {
    await cleanup();
  }
});
