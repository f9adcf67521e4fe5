import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { CitadelClient } from "../../src/client/connection.ts";
import { fixtureStore, loginAs, startServer } from "../_helpers.ts";
import { pollUntil, spawnPull } from "../_pull_cli.ts";

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
