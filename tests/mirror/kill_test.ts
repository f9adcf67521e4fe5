/**
 * `kill -9` of a mirror run at some point of a big first copy with local changes pending,
 * then a rerun: the tree matches the server, nothing is duplicated, nothing is lost.
 */
import assert from "node:assert/strict";
import { newMessage } from "../../src/message/message.ts";
import { postMessage } from "../../src/store/messages.ts";
import { getRoom, roomMessages } from "../../src/store/rooms.ts";
import type { Store } from "../../src/store/store.ts";
import { withFixtureServer } from "../_helpers.ts";
import {
  alice,
  mailRoomOf,
  mirror,
  mirrorDir,
  movedAnything,
  sharedRooms,
  spawnMirror,
  treeFiles,
  until,
} from "./_mirror.ts";

const MESSAGES = 1000;

async function bigMailbox(store: Store): Promise<void> {
  await sharedRooms(store);
  const room = await mailRoomOf(store, alice.name);
  for (let i = 0; i < MESSAGES; i++) {
    await postMessage(
      store,
      [room],
      newMessage({
        format: 0,
        fields: {
          A: "Bob Builder",
          T: String(1_700_001_000 + i),
          U: `Note ${i}`,
          M: `Body ${i}\n`,
        },
      }),
    );
  }
}

Deno.test({
  name: "mirror: kill -9 during a run, then a rerun: consistent, no duplicates, nothing lost",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withFixtureServer(async (address, store) => {
      const a = await mirrorDir(alice);
      try {
        // A first run so that a local event is pending for the killed one.
        assert.equal((await mirror(address, alice, a, "--rooms", "Calendar")).code, 0);
        await Deno.writeTextFile(
          `${a.to}/Calendar/pending@test.ics`,
          "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:pending@test\nSUMMARY:Pending\n" +
            "DTSTART:20261201T100000Z\nEND:VEVENT\nEND:VCALENDAR\n",
        );
        const child = spawnMirror(address, alice, a);
        const mailNew = `${a.to}/Mail/new`;
        await until(async () => {
          try {
            let n = 0;
            for await (const _ of Deno.readDir(mailNew)) if (++n >= MESSAGES / 4) return true;
          } catch { /* not there yet */ }
          return false;
        });
        child.kill("SIGKILL");
        const killed = await child.output();
        assert.equal(killed.signal, "SIGKILL", "the run was killed before it ended");
        const saved = JSON.parse(await Deno.readTextFile(`${a.to}/.ctdlsync-state`));
        assert.ok(
          !Object.keys(saved.rooms).some((r) => r.endsWith(".Mail")),
          "killed in the middle of the mailbox, before its state was saved",
        );

        const rerun = await mirror(address, alice, a);
        assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
        const mailRoom = (await getRoom(store, await mailRoomOf(store, alice.name)))!;
        const server = await roomMessages(store, mailRoom.number);
        const local = (await treeFiles(`${a.to}/Mail`)).map((f) =>
          Number(/(\d+)\.ctdlsync/.exec(f)![1])
        );
        assert.deepEqual(local.sort((x, y) => x - y), server, "every message once, none extra");
        const cal = (await getRoom(store, "Calendar"))!;
        const held = await store.get("euidindex", [cal.number, "pending@test"]);
        assert.ok(held, "the pending event reached the server");
        assert.equal((await roomMessages(store, cal.number)).length, 2, "once");
        assert.deepEqual(await treeFiles(`${a.to}/Calendar`), [
          "meeting-1@fixture.ics",
          "pending@test.ics",
        ]);
        const still = await mirror(address, alice, a);
        assert.equal(movedAnything(still.stdout), false, still.stdout);
      } finally {
        await Deno.remove(a.top, { recursive: true });
      }
    }, bigMailbox);
  },
});
