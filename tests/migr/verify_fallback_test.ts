/**
 * `verify` against a server without SYNC (issue 10, item 3): it compares the MIGR export, MESG
 * and the room files with the local store, and says in one line what it compared and what not.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { runFallbackPull } from "../../src/app/fallback_pull.ts";
import { exportMigr } from "../../src/app/migr_export.ts";
import { roomFileOp } from "../../src/store/room_files.ts";
import type { Store } from "../../src/store/store.ts";
import { systemMessageOp } from "../../src/store/system_messages.ts";
import { CitadelClient, fixtureStore, runCli, startServer, tempStore } from "../_helpers.ts";
import { EXPORT, FILES, loadRealSystem, MANIFEST, manifest } from "./_real.ts";

const { sysop } = FIXTURE_USERS;
const COMPARED = "compared config, control, users, usersbynumber, floors, rooms, msglists, " +
  "visits, messages, msgmeta, euidindex, directory from the MIGR export, system messages by " +
  "MESG, room files by RDIR and OPEN/READ; not compared: usetable, roominfo (not in a stock " +
  "Citadel's export, no client command shows them)";

/** A server without SYNC on `store`, a fallback pull of it into a temp dir, and a verify CLI. */
async function pulledCopy(store: Store, user: { name: string; password: string }) {
  const { server, address } = startServer(store, { sync: false, migrExport: exportMigr });
  const root = await Deno.makeTempDir({ prefix: "ctdlsync-verify-test-" });
  await Deno.writeTextFile(join(root, "pw"), `${user.password}\n`);
  const args = ["--user", user.name, "--password-file", join(root, "pw")];
  return {
    address,
    data: join(root, "data"),
    pull: (migrFile?: string) =>
      runFallbackPull(join(root, "data"), {
        from: address,
        user: user.name,
        password: user.password,
        migrFile,
      }),
    verify: (...extra: string[]) =>
      runCli("verify", "--from", address, ...args, "--data", join(root, "data"), ...extra),
    stop: async () => {
      await server.stop(2);
      await Deno.remove(root, { recursive: true });
    },
  };
}

Deno.test("verify without SYNC: identical after a fallback pull, then names each change", async () => {
  const src = await fixtureStore();
  const t = await pulledCopy(src.store, sysop);
  try {
    assert.ok((await t.pull()).every((r) => r.verified));
    let r = await t.verify();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `identical: ${COMPARED}\n`);

    // Changes on the server: a banner, a room file's bytes, and a user's record.
    await src.store.write([
      systemMessageOp("goodbye", " So long, ^username.\n"),
      roomFileOp("library", "readme.txt", {
        mimetype: "text/plain",
        description: "Read me first",
        mtime: 1,
      }, new TextEncoder().encode("Files of the fixture BBS!\n")),
    ]);
    const c = await CitadelClient.connect(t.address);
    await c.login(FIXTURE_USERS.alice.name, FIXTURE_USERS.alice.password);
    assert.equal((await c.command("SETP a-new-password")).code, 200);
    await c.quit();

    r = await t.verify();
    assert.equal(r.code, 3, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.deepEqual(lines.slice(0, -1).sort(), [
      "library/readme.txt: other bytes on the server",
      "system message goodbye: the server shows other text",
      lines.find((l) => l.startsWith("users: server "))!,
    ]);
    assert.equal(lines.at(-1), `3 differ: ${COMPARED}`);

    r = await t.verify("--json");
    assert.equal(r.code, 3, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.identical, false);
    assert.deepEqual(json.notCompared, ["usetable", "roominfo"]);
  } finally {
    await t.stop();
    await src.cleanup();
  }
});

Deno.test("verify without SYNC: no server is exit 2 with one line; a missing --migr-file too", async () => {
  const src = await fixtureStore();
  const t = await pulledCopy(src.store, sysop);
  try {
    await t.pull();
    let r = await t.verify("--migr-file", "/nonexistent/export.xml");
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "ctdlsync: cannot read /nonexistent/export.xml\n");
    const dead = await Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (dead.addr as Deno.NetAddr).port;
    dead.close();
    const pw = await Deno.makeTempFile();
    await Deno.writeTextFile(pw, "x\n");
    r = await runCli(
      "verify",
      "--from",
      `127.0.0.1:${port}`,
      "--user",
      "x",
      "--password-file",
      pw,
      "--data",
      t.data,
    );
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    await Deno.remove(pw);
  } finally {
    await t.stop();
    await src.cleanup();
  }
});

Deno.test({
  name: "verify without SYNC: a 902 export's clear passwords are checked against local hashes",
  ignore: !EXPORT || !MANIFEST || !FILES,
  async fn() {
    const src = await tempStore();
    await loadRealSystem(src.store);
    const m = manifest();
    const t = await pulledCopy(src.store, m.admin);
    try {
      // The file as 902 writes it: clear passwords, hashed on import with fresh salts.
      const file = join(src.dir, "..", `export-${crypto.randomUUID()}.xml`);
      await Deno.writeTextFile(file, await Deno.readTextFile(EXPORT!));
      assert.ok((await t.pull(file)).every((r) => r.verified));
      let r = await t.verify("--migr-file", file);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^identical: compared .* from the MIGR export in .*export-/);
      // One password changed in the export: only users differs.
      const user = m.users.find((u) => u.name === "Frank Ellis")!;
      const xml = await Deno.readTextFile(file);
      assert.ok(xml.includes(`<u_password>${user.password}</u_password>`));
      await Deno.writeTextFile(
        file,
        xml.replace(`<u_password>${user.password}</u_password>`, "<u_password>other</u_password>"),
      );
      r = await t.verify("--migr-file", file);
      assert.equal(r.code, 3, r.stderr);
      assert.match(
        r.stdout,
        /^users: server 19 records\/[0-9a-f]+, local 19\/[0-9a-f]+\n1 differ:/,
      );
      await Deno.remove(file);
    } finally {
      await t.stop();
      await src.cleanup();
    }
  },
});
