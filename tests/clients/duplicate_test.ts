/**
 * What a person on the real text client sees on a duplicate: the same rooms and messages as
 * on its source (a ctdlsync pull), and the same rooms, messages, files and log in/out texts
 * as on a stock Citadel system (the fallback pull of the real 902 data), with the original
 * passwords.
 */
import { exportMigr } from "../../src/app/migr_export.ts";
import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { runFallbackPull } from "../../src/app/fallback_pull.ts";
import { runPull } from "../../src/client/run_pull.ts";
import { getRoom, roomMessages, VisitFlag, visitOp } from "../../src/store/rooms.ts";
import { Store } from "../../src/store/store.ts";
import { getUser } from "../../src/store/users.ts";
import { fixtureStore, startServer, tempStore } from "../_helpers.ts";
import { EXPORT, FILES, index, loadRealSystem, manifest, shared } from "../migr/_real.ts";
import { CI, escapeRegExp, missing, startTextClient } from "./_terminal.ts";

const { bob, sysop } = FIXTURE_USERS;
const noClient = missing.length > 0 && !CI;

/**
 * One text-client session as Bob: what the screen shows for the Lobby's new messages read
 * at login, the known rooms (k), and the new message of Upstairs Lounge (.g, n).
 */
async function bobSession(
  port: number,
): Promise<{ login: string; known: string; upstairs: string }> {
  const client = await startTextClient(port, bob);
  const term = client.term;
  try {
    const login = await term.waitFor(/<N>ext/);
    await term.keys("s");
    await term.waitFor(/^Lobby> *$/m);
    let mark = await term.mark();
    await term.keys("k");
    const known = await term.waitFor(/Known rooms[\s\S]*Lobby> *$/m, mark);
    await term.goto("Upstairs Lounge");
    mark = await term.mark();
    await term.keys("n");
    const upstairs = await term.waitFor(/Quiet up here\.[\s\S]*<N>ext/, mark);
    await term.keys("n");
    await term.waitFor(/^Upstairs Lounge> *$/m, mark + 1);
    await term.keys("t");
    await term.waitFor(/Are you sure/);
    await term.keys("y");
    await term.waitFor(/logged out\./);
    assert.equal(await client.exitStatus(), "0");
    // The login screen's first message is where the reading starts; what came before it
    // (the connection banner) names the port.
    return { login: login.slice(login.indexOf("Lobby - ")), known, upstairs };
  } finally {
    await client.close();
  }
}

Deno.test({
  name: "text client: a pulled duplicate shows the same rooms and messages as its source",
  ignore: noClient,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.deepEqual(missing, [], `CI needs ${missing.join(", ")} for the text client tests`);
    const src = await fixtureStore();
    // Bob has read the Lobby's first and last message, so two are new at login.
    const lobby = (await getRoom(src.store, "Lobby"))!;
    const [first, , , last] = await roomMessages(src.store, lobby.number);
    const user = (await getUser(src.store, bob.name))!;
    await src.store.write([visitOp(lobby, user.usernum, {
      lastseen: first,
      flags: VisitFlag.ACCESS,
      seen: `${first},${last}`,
      answered: "",
      view: 0,
    })]);
    const dst = await tempStore();
    const source = startServer(src.store);
    try {
      const reports = await runPull(dst.store, {
        from: source.address,
        ...{ user: sysop.name, password: sysop.password },
      });
      assert.ok(reports.every((r) => r.verified));
      const duplicate = startServer(dst.store);
      try {
        // The duplicate first: reading marks nothing (the client sends SLRP only on leaving
        // a room), but the two sessions must start from identical stores.
        const onDuplicate = await bobSession(duplicate.server.port);
        const onSource = await bobSession(source.server.port);
        assert.match(onSource.known, /File Library\][\s\S]*Upstairs:/);
        assert.match(onSource.login, /Hi everyone, Alice here\./);
        assert.deepEqual(onDuplicate, onSource);
      } finally {
        await duplicate.server.stop(2);
      }
    } finally {
      await source.server.stop(2);
      await dst.cleanup();
      await Deno.remove(src.dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "text client: a stock Citadel system pulled over the wire (fallback) works with the original passwords",
  ignore: noClient || !EXPORT || !FILES,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.deepEqual(missing, [], `CI needs ${missing.join(", ")} for the text client tests`);
    const real = await tempStore();
    await loadRealSystem(real.store);
    const stock = startServer(real.store, { sync: false, migrExport: exportMigr });
    const root = await Deno.makeTempDir({ prefix: "ctdlsync-fallback-client-" });
    try {
      const admin = manifest().admin;
      const reports = await runFallbackPull(`${root}/data`, {
        from: stock.address,
        user: admin.name,
        password: admin.password,
      });
      assert.ok(
        reports.every((r) => r.verified),
        JSON.stringify(reports.filter((r) => !r.verified)),
      );
      const pulled = await Store.open(`${root}/data`);
      const dup = startServer(pulled);
      const kofi = manifest().users.find((u) => u.name === "Kofi Underwood")!;
      const client = await startTextClient(dup.server.port, kofi);
      const term = client.term;
      try {
        // The log-in message (MESG hello) shows before the login; then who we are.
        const hello = await term.waitFor(/Kofi Underwood[\s\S]*> *$/m, 0, 15000);
        assert.match(hello, /Welcome to Fixture BBS!/);
        assert.match(hello, /Be excellent to each other\./);
        assert.match(hello, /Access level: 2/);
        await term.keys("s");
        let mark = await term.mark();
        await term.keys("k");
        const known = await term.waitFor(/Known rooms[\s\S]*> *$/m, mark);
        for (
          // In floor mode the client lists this floor's rooms and names the other floors.
          const room of [
            "Lobby>",
            "Announcements>",
            "Sysop Lounge>",
            "Address Book>",
            "Technology:",
          ]
        ) {
          assert.ok(known.includes(room), `${room} in:\n${known}`);
        }
        // The room files came over the wire: the directory and a file's text.
        await term.goto("File Library", "]");
        mark = await term.mark();
        await term.keys("d");
        const dir = await term.waitFor(/README-05\.md[\s\S]*File Library\] *$/m, mark);
        assert.match(dir, /Member list export/);
        mark = await term.mark();
        await term.keys(".", "r", "t");
        await term.waitFor(/name/i, mark);
        await term.keys("README-05.md", "Enter");
        const readme = (await Deno.readTextFile(shared(
          index().room_files[0].files.find((f) => f.filename === "README-05.md")!.path,
        ))).split("\n")[0];
        await term.waitFor(
          new RegExp(escapeRegExp(readme.slice(0, 30))),
          mark,
        );
        // The client shows the file in a pager; q leaves it.
        await term.waitFor(/\(END\)/, mark);
        await term.keys("q");
        await term.waitFor(/^File Library\] *$/m, mark + 2);
        // Logging out shows the goodbye message.
        await term.keys("t");
        await term.waitFor(/Are you sure/);
        await term.keys("y");
        await term.waitFor(/Thanks for calling Fixture BBS/);
        assert.equal(await client.exitStatus(), "0");
      } finally {
        await client.close();
        await dup.server.stop(2);
      }
    } finally {
      await stock.server.stop(2);
      await real.cleanup();
      await Deno.remove(root, { recursive: true });
    }
  },
});
