/**
 * Task and note rooms become vdir folders of `.ics` and `.txt`; `--follow` keeps the tree
 * live by since-polling and stops on SIGTERM with 143.
 */
import assert from "node:assert/strict";
import { newMessage } from "../../src/message/message.ts";
import { postMessage } from "../../src/store/messages.ts";
import { createRoom, View } from "../../src/store/rooms.ts";
import type { Store } from "../../src/store/store.ts";
import { gotoRoom, loginAs, withFixtureServer } from "../_helpers.ts";
import { alice, mirror, mirrorDir, spawnMirror, treeFiles, until } from "./_mirror.ts";

async function tasksAndNotes(store: Store): Promise<void> {
  await createRoom(store, { name: "Tasks", defaultview: View.TASKS });
  await createRoom(store, { name: "Notes", defaultview: View.NOTES });
  await postMessage(
    store,
    ["Tasks"],
    newMessage({
      format: 4,
      fields: {
        A: "SysOp",
        E: "task-1@fixture",
        M: "Content-type: text/calendar\n\nBEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VTODO\n" +
          "UID:task-1@fixture\nSUMMARY:Water the plants\nEND:VTODO\nEND:VCALENDAR\n",
      },
    }),
  );
  await postMessage(
    store,
    ["Notes"],
    newMessage({
      format: 0,
      fields: { A: "SysOp", E: "note-1", U: "Shopping", M: "Milk, bread.\n" },
    }),
  );
}

Deno.test({
  name: "mirror: tasks as .ics, notes as .txt; --follow polls and stops on SIGTERM",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withFixtureServer(async (address) => {
      const a = await mirrorDir(alice);
      try {
        const r = await mirror(address, alice, a, "--rooms", "Tasks,Notes");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(await treeFiles(a.to), [
          ".ctdlsync-state",
          "Notes/note-1.txt",
          "Tasks/task-1@fixture.ics",
        ]);
        assert.match(await Deno.readTextFile(`${a.to}/Tasks/task-1@fixture.ics`), /BEGIN:VTODO/);
        assert.equal(await Deno.readTextFile(`${a.to}/Notes/note-1.txt`), "Milk, bread.\n");

        const child = spawnMirror(
          address,
          alice,
          a,
          "--rooms",
          "Lobby",
          "--follow",
          "--interval",
          "1",
        );
        const lobby = async () => (await treeFiles(`${a.to}/Lobby`).catch(() => [])).length;
        await until(async () => await lobby() === 4);
        const c = await loginAs(address, alice);
        await gotoRoom(c, "Lobby");
        assert.equal((await c.command("ENT0 1||0|0|Live")).code, 400);
        await c.send("arrives while following");
        await c.send("000");
        await c.quit();
        await until(async () => await lobby() === 5);
        child.kill("SIGTERM");
        const out = await child.output();
        assert.equal(out.code, 143);
        assert.match(new TextDecoder().decode(out.stderr), /interrupted; rerun to resume/);
      } finally {
        await Deno.remove(a.top, { recursive: true });
      }
    }, tasksAndNotes);
  },
});
