/**
 * The real Citadel text client (Debian citadel-client 916, /usr/bin/citadel) against a
 * ctdlsync server holding the fixture: log in, read new messages, list known rooms, go to
 * a room, enter a message, log out. The client runs in tmux; the test types keys and reads
 * the screen, as a person would.
 */
import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { fieldText } from "../../src/message/message.ts";
import { getMessage } from "../../src/store/messages.ts";
import { getRoom, roomMessages, VisitFlag, visitOp } from "../../src/store/rooms.ts";
import type { Store } from "../../src/store/store.ts";
import { getUser } from "../../src/store/users.ts";
import { fixtureStore, startServer } from "../_helpers.ts";
import { CI, missing, startTextClient } from "./_terminal.ts";

const { bob } = FIXTURE_USERS;
/** Bob has read the Lobby's first and last message: the two in between are new. */
async function prepare(store: Store): Promise<{ hello: number; tricky: number }> {
  const lobby = (await getRoom(store, "Lobby"))!;
  const [first, hello, tricky, last] = await roomMessages(store, lobby.number);
  const user = (await getUser(store, bob.name))!;
  await store.write([
    visitOp(lobby, user.usernum, {
      lastseen: first,
      flags: VisitFlag.ACCESS,
      seen: `${first},${last}`,
      answered: "",
      view: 0,
    }),
  ]);
  return { hello, tricky };
}

Deno.test({
  name: "text client: login, read new, known rooms, .goto, enter a message, logout",
  ignore: missing.length > 0 && !CI,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.deepEqual(missing, [], `CI needs ${missing.join(", ")} for the text client test`);
    const src = await fixtureStore();
    await prepare(src.store);
    const { server } = startServer(src.store);
    const client = await startTextClient(server.port, bob);
    const term = client.term;
    try {
      // Login: the client shows who we are, then reads the Lobby's new messages at once.
      const login = await term.waitFor(/<N>ext/);
      assert.match(login, /Bob Builder/);
      assert.match(login, /Access level: 4 \(Network User\)/);
      assert.match(login, /Lobby - 2 new of 4 messages/);
      assert.match(login, /Hi everyone, Alice here\./);
      await term.keys("s");
      await term.waitFor(/^Lobby> *$/m);

      // n: read new messages. The body line "000" must not cut the message short.
      let mark = await term.mark();
      await term.keys("n");
      await term.waitFor(/Hi everyone, Alice here\.[\s\S]*<N>ext/, mark);
      await term.keys("n");
      const tricky = await term.waitFor(/must not end a listing\.[\s\S]*<N>ext/, mark);
      assert.match(tricky, /Line one\. 000 That line above is exactly 000/);
      await term.keys("n");
      await term.waitFor(/^Lobby> *$/m, mark + 1);

      // k: the known rooms, with their Citadel suffixes (> rooms, ] directories).
      mark = await term.mark();
      await term.keys("k");
      const known = await term.waitFor(/Known rooms[\s\S]*Lobby> *$/m, mark);
      for (const room of ["Lobby>", "Mail>", "Contacts>", "File Library]", "Trashcan>"]) {
        assert.ok(known.includes(room), `${room} in:\n${known}`);
      }
      assert.match(known, /Upstairs:/, "the other floors are listed by name");

      await term.goto("Upstairs Lounge");

      // e: enter a message; an empty line ends the text, s saves it.
      mark = await term.mark();
      await term.keys("e");
      await term.waitFor(/Entering message/, mark);
      await term.keys("Posted by the real citadel client", "Enter");
      await term.keys("Enter");
      await term.waitFor(/Entry command/, mark);
      await term.keys("s");
      await term.waitFor(/^Upstairs Lounge> *$/m, mark + 1);
      const room = (await getRoom(src.store, "Upstairs Lounge"))!;
      const nums = await roomMessages(src.store, room.number);
      assert.equal(nums.length, 2, "the fixture's message and the new one");
      const posted = (await getMessage(src.store, nums[1]))!;
      assert.equal(fieldText(posted, "A"), "Bob Builder");
      assert.match(fieldText(posted, "M")!, /^Posted by the real citadel client/);

      // t, y: log out; the client says so and ends normally (no crash, exit status 0).
      mark = await term.mark();
      await term.keys("t");
      await term.waitFor(/Are you sure/, mark);
      await term.keys("y");
      await term.waitFor(/Bob Builder logged out\./, mark);
      assert.equal(
        await client.exitStatus(),
        "0",
        "the client exits normally (124: timeout, 139: crash)",
      );
    } finally {
      await client.close();
      await server.stop(2);
      await Deno.remove(src.dir, { recursive: true }).catch(() => {});
    }
  },
});
