import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { CitadelClient } from "../../src/client/connection.ts";
import { generateSystem } from "../../src/tools/seed.ts";
import { fixtureStore, loginAs, startServer, tempStore } from "../_helpers.ts";
import { pollUntil, pullCli, spawnPull } from "../_pull_cli.ts";

const bob = FIXTURE_USERS.bob;

/** True when Bob can log in (the source is not single-user); the session is closed again. */
async function bobLogsIn(address: string): Promise<boolean> {
  const c = await CitadelClient.connect(address, { timeoutSeconds: 5 });
  try {
    const u = await c.command(`USER ${bob.name}`);
    if (u.code !== 300) return false;
    return (await c.command(`PASS ${bob.password}`)).code === 200;
  } finally {
    await c.quit();
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`pull ${signal}: a pull holding single-user mode releases it; another user logs in within 2 s`, async () => {
    const src = await fixtureStore();
    const dir = await Deno.makeTempDir({ prefix: "ctdlsync-int-" });
    const { server, address } = startServer(src.store);
    // Alice stays logged in, so the cutover's SNGL waits on her (30 s) while it holds the
    // system: logins by others are refused from the moment it is asked for.
    const alice = await loginAs(address, FIXTURE_USERS.alice);
    try {
      const pull = await spawnPull(address, `${dir}/dst`, ["--cutover", "--wait", "30"]);
      await pollUntil("the pull holds single-user mode", async () => !await bobLogsIn(address));
      pull.child.kill(signal);
      const waited = await pollUntil("Bob can log in again", () => bobLogsIn(address), 2000);
      assert.ok(waited < 2000);
      const out = await pull.result;
      assert.equal(out.code, signal === "SIGINT" ? 130 : 143, out.stderr);
      assert.match(out.stderr, /^ctdlsync: interrupted; rerun to resume$/m);
      assert.ok(!/\bat .*\.ts:\d+/.test(out.stderr), "no stack trace");
      // The holder's session is gone and the system is multi-user for everyone.
      assert.equal(server.singleUser.active, false);
    } finally {
      alice.close();
      await server.stop(2);
      await Deno.remove(src.dir, { recursive: true });
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("pull SIGINT: an online pull stopped mid-copy exits 130; the rerun resumes and verifies", async () => {
  const src = await tempStore("ctdlsync-int-src-");
  await generateSystem(src.store, { users: 5, rooms: 4, messages: 4000, files: 1, seed: 5 });
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-int-" });
  const { server, address } = startServer(src.store);
  try {
    const { bytes } = await src.store.stats("messages");
    const written = async () => {
      let n = 0;
      for (const f of ["ctdlsync.kv", "ctdlsync.kv-wal"]) {
        n += (await Deno.stat(`${dir}/dst/${f}`).catch(() => null))?.size ?? 0;
      }
      return n;
    };
    const pull = await spawnPull(address, `${dir}/dst`);
    await pollUntil(
      "the pull is copying the messages",
      async () => await written() > bytes / 3,
      30_000,
    );
    pull.child.kill("SIGINT");
    const out = await pull.result;
    assert.equal(out.code, 130, out.stderr);
    assert.match(out.stderr, /^ctdlsync: interrupted; rerun to resume$/m);
    const again = await pullCli(address, `${dir}/dst`, ["--json"]);
    assert.equal(again.code, 0, again.stderr);
    const r = JSON.parse(again.stdout) as {
      identical: boolean;
      tables: { table: string; action: string }[];
    };
    assert.equal(r.identical, true);
    const messages = r.tables.find((t) => t.table === "messages")!;
    assert.ok(["resume", "since"].includes(messages.action), messages.action);
    assert.equal(r.tables.find((t) => t.table === "config")!.action, "skipped");
  } finally {
    await server.stop(2);
    await src.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
});
