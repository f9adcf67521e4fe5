/**
 * A message marked seen in the mirror (mblaze: minc, mflag -S) shows as seen in the real
 * Citadel text client: its Mail room moves from "unread" to "no new messages" in <K>nown
 * rooms.
 */
import assert from "node:assert/strict";
import { startServer } from "../_helpers.ts";
import { fixtureStore } from "../_helpers.ts";
import { CI, missing, startTextClient } from "../clients/_terminal.ts";
import { alice, mirror, mirrorDir, missingPrograms, program } from "./_mirror.ts";

/** The text client's Known rooms screen for alice: the unread line and the rest. */
async function knownRooms(port: number): Promise<{ unread: string; read: string }> {
  const client = await startTextClient(port, alice);
  try {
    const term = client.term;
    // At login the client reads the Lobby's new message; stop there, then list rooms.
    await term.waitFor(/<N>ext/);
    await term.keys("s");
    await term.waitFor(/^Lobby> *$/m);
    const mark = await term.mark();
    await term.keys("k");
    const screen = await term.waitFor(/Known rooms[\s\S]*Other floors/, mark);
    const m = /unread messages on Main Floor:\n(.*)\n[\s\S]*no new messages on Main Floor:\n(.*)\n/
      .exec(screen);
    assert.ok(m, screen);
    return { unread: m[1], read: m[2] };
  } finally {
    await client.close();
  }
}

Deno.test({
  name: "mirror: a message marked seen locally shows as seen in the real text client",
  ignore: (missing.length > 0 || missingPrograms.length > 0) && !CI,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.deepEqual(missing, [], `CI needs ${missing.join(", ")} for the text client test`);
    const src = await fixtureStore();
    const { server, address } = startServer(src.store);
    const a = await mirrorDir(alice);
    try {
      const before = await knownRooms(server.port);
      assert.match(before.unread, /\bMail>/, "the fixture's mail to alice is unread");

      assert.equal((await mirror(address, alice, a, "--rooms", "Mail")).code, 0);
      await program("minc", `${a.to}/Mail`);
      for (const m of (await program("mlist", `${a.to}/Mail`)).trim().split("\n")) {
        await program("mflag", "-S", m);
      }
      const run = await mirror(address, alice, a, "--rooms", "Mail");
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /Mail +mail +1 +\+0 ~0 -0 s0 +\+0 ~0 -0 s1/);

      const after = await knownRooms(server.port);
      assert.doesNotMatch(after.unread, /\bMail>/);
      assert.match(after.read, /\bMail>/);
    } finally {
      await server.stop(2);
      await Deno.remove(a.top, { recursive: true });
      await Deno.remove(src.dir, { recursive: true });
    }
  },
});
