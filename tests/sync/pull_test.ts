import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { newMessage } from "../../src/message/message.ts";
import { runPull, runVerify } from "../../src/client/run_pull.ts";
import { TransferError } from "../../src/client/transfer_error.ts";
import { configOp } from "../../src/store/control.ts";
import { deleteFromRoom, postMessage } from "../../src/store/messages.ts";
import { roomFileOp } from "../../src/store/room_files.ts";
import { getRoom, roomKey } from "../../src/store/rooms.ts";
import { systemMessageOp } from "../../src/store/system_messages.ts";
import { getUser, userOps } from "../../src/store/users.ts";
import { compareStores } from "../../src/tools/compare.ts";
import { digests, fixtureStore, startServer, tempStore } from "../_helpers.ts";
import { startProxy } from "../_proxy.ts";

const sysop = FIXTURE_USERS.sysop;
const creds = (from: string) => ({ from, user: sysop.name, password: sysop.password });

Deno.test("pull: a full pull of the fixture gives an identical store", async () => {
  const src = await fixtureStore();
  const dst = await tempStore();
  const { server, address } = startServer(src.store);
  try {
    const reports = await runPull(dst.store, creds(address));
    assert.ok(reports.every((r) => r.verified), JSON.stringify(reports));
    assert.ok(reports.filter((r) => r.action === "full").length === reports.length);
    assert.deepEqual(await digests(dst.store), await digests(src.store));
    assert.deepEqual(await compareStores(src.store, dst.store), []);
    // Log in/out messages and room files came over the wire like every other table.
    assert.deepEqual(
      await dst.store.get("sysmsgs", ["hello"]),
      await src.store.get("sysmsgs", ["hello"]),
    );
    assert.equal((await dst.store.size("roomfiles", ["library", "firmware.bin"]))! > 150_000, true);
    // Nothing changed: a rerun moves nothing but info lines.
    const again = await runPull(dst.store, creds(address));
    assert.ok(again.every((r) => r.action === "skipped" && r.verified && r.records === 0));
    assert.deepEqual(await runVerify(dst.store, creds(address)), []);
  } finally {
    await server.stop(2);
    await dst.cleanup();
    await Deno.remove(src.dir, { recursive: true });
  }
});

Deno.test("pull: after changes on the source an incremental pull moves only those", async () => {
  const src = await fixtureStore();
  const dst = await tempStore();
  const { server, address } = startServer(src.store);
  try {
    await runPull(dst.store, creds(address));
    const s = src.store;
    // A new message, an edited user, a deleted room, a replaced EUID item, a new room file,
    // a changed hello text.
    await postMessage(
      s,
      ["Lobby"],
      newMessage({ fields: { T: "1700001000", A: "Alice Tester", U: "New", M: "new\n" } }),
    );
    const bob = (await getUser(s, "Bob Builder"))!;
    await s.write(userOps({ ...bob, flags: bob.flags | 32, posted: 9 }));
    await s.write([{ table: "rooms", key: [roomKey("Old Stuff")], value: null }]);
    await postMessage(
      s,
      ["Contacts"],
      newMessage({
        format: 4,
        fields: {
          T: "1700002000",
          E: "bob-uid",
          M: "Content-type: text/x-vcard\n\nbegin:vcard\nfn:Bob B.\nend:vcard\n",
        },
      }),
    );
    await s.write([
      roomFileOp("library", "new.txt", {
        mimetype: "text/plain",
        description: "New file",
        mtime: 1,
      }, new TextEncoder().encode("new file\n")),
    ]);
    await s.write([systemMessageOp("hello", " Changed greeting for ^humannode.\n")]);
    const lobby = (await getRoom(s, "Lobby"))!;
    const some = (await Array.fromAsync(s.keys("msglists", [lobby.number])))[0][1] as number;
    await deleteFromRoom(s, "Lobby", some);

    const reports = await runPull(dst.store, creds(address));
    assert.ok(reports.every((r) => r.verified));
    const moved = Object.fromEntries(
      reports.filter((r) => r.records > 0).map((r) => [r.table, r.records]),
    );
    assert.deepEqual(Object.keys(moved).sort(), [
      "control",
      "euidindex",
      "messages",
      "msglists",
      "msgmeta",
      "roomfiles",
      "rooms",
      "sysmsgs",
      "users",
    ]);
    assert.ok(reports.filter((r) => r.records > 0).every((r) => r.action === "since"));
    assert.ok(moved.messages <= 4, `messages moved: ${moved.messages}`);
    assert.equal(moved.users, 1);
    assert.equal(moved.sysmsgs, 1);
    assert.deepEqual(await compareStores(src.store, dst.store), []);
  } finally {
    await server.stop(2);
    await dst.cleanup();
    await Deno.remove(src.dir, { recursive: true });
  }
});

Deno.test("pull: cut off mid-chunk at several points, a rerun ends identical", async () => {
  const src = await fixtureStore();
  const dst = await tempStore();
  const { server } = startServer(src.store);
  try {
    // Each attempt is cut a little later in its own stream; as the store fills, reruns
    // need less, until one completes. Every cut lands in a different place of the data.
    let cuts = 0;
    let reports;
    for (let attempt = 0; attempt < 40 && !reports; attempt++) {
      const proxy = startProxy({ hostname: "127.0.0.1", port: server.port }, {
        cutAfter: 2500 + attempt * 33_333,
      });
      try {
        reports = await runPull(dst.store, creds(proxy.address));
      } catch {
        cuts++;
        // Whatever was committed before the cut is consistent.
        await dst.store.verify();
      } finally {
        await proxy.close();
      }
    }
    assert.ok(cuts >= 4, `only ${cuts} pulls were cut`);
    assert.ok(reports);
    assert.ok(reports.every((r) => r.verified));
    const total = (await Promise.all(reports.map((r) => src.store.stats(r.table)))).reduce(
      (n, s) => n + s.count,
      0,
    );
    const moved = reports.reduce((n, r) => n + r.records, 0);
    assert.ok(moved < total, `the last run continued (${moved} of ${total} records moved)`);
    assert.deepEqual(await compareStores(src.store, dst.store), []);
    await dst.store.verify();
  } finally {
    await server.stop(2);
    await dst.cleanup();
    await Deno.remove(src.dir, { recursive: true });
  }
});

Deno.test("pull: a corrupted chunk is detected and reported; nothing bad is kept", async () => {
  const src = await fixtureStore();
  const dst = await tempStore();
  const { server, address } = startServer(src.store);
  try {
    const proxy = startProxy({ hostname: "127.0.0.1", port: server.port }, { flipAt: 120_000 });
    await assert.rejects(
      runPull(dst.store, creds(proxy.address)),
      (e: Error) => e instanceof TransferError && /CRC/.test(e.message),
    );
    await proxy.close();
    await dst.store.verify();
    const reports = await runPull(dst.store, creds(address));
    assert.ok(reports.every((r) => r.verified));
    assert.deepEqual(await compareStores(src.store, dst.store), []);
  } finally {
    await server.stop(2);
    await dst.cleanup();
    await Deno.remove(src.dir, { recursive: true });
  }
});

Deno.test("pull: a duplicate written locally is repaired by a full copy", async () => {
  const src = await fixtureStore();
  const dst = await tempStore();
  const { server, address } = startServer(src.store);
  try {
    await runPull(dst.store, creds(address));
    await dst.store.write([configOp("c_nodename", "drifted"), configOp("c_extra", "x")]);
    const reports = await runPull(dst.store, creds(address));
    const config = reports.find((r) => r.table === "config")!;
    assert.equal(config.action, "full", "the drifted table was copied anew");
    assert.equal(config.records, (await src.store.stats("config")).count, "every record came");
    assert.equal(config.verified, true);
    for (const r of reports.filter((r) => r.table !== "config")) {
      assert.equal(r.action, "skipped", `${r.table} did not drift`);
    }
    assert.deepEqual(await compareStores(src.store, dst.store), []);
  } finally {
    await server.stop(2);
    await dst.cleanup();
    await Deno.remove(src.dir, { recursive: true });
  }
});
