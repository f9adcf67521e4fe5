/**
 * Single-user mode never deadlocks (issue 12 item 2): two SNGLs by the same Aide, a pull
 * killed during its SNGL wait and rerun, a user who never reads, and a holder stuck writing.
 */
import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { CitadelClient, loginAs, withFixtureServer } from "../_helpers.ts";
import {
  bigMessage,
  neverReadsArgs,
  portOf,
  pythonSent,
  SEND_AND_WAIT,
  waitFor,
  within,
} from "./_helpers.ts";

const { alice, sysop } = FIXTURE_USERS;

async function stop(child: Deno.ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  await child.output();
}

Deno.test("single-user: two SNGLs by the same Aide at once both get an answer", async () => {
  await withFixtureServer(async (address) => {
    const idle = await loginAs(address, alice);
    const first = await loginAs(address, sysop);
    const second = await loginAs(address, sysop);
    await first.send("SNGL 2|60");
    await waitFor("the first SNGL to wait", async () => {
      const probe = await CitadelClient.connect(address);
      const r = await probe.command(`USER ${alice.name}`);
      await probe.quit().catch(() => {});
      return r.code === 551;
    });
    await second.send("SNGL 2|60");
    const [a, b] = await within(
      "both SNGLs",
      30,
      Promise.all([first.readReply(), second.readReply()]),
    );
    assert.deepEqual([a.code, b.code].sort(), [200, 552], `${a.line} / ${b.line}`);
    await assert.rejects(idle.command("NOOP"), "the idle user was ended");
  });
});

Deno.test("single-user: a pull killed during its SNGL wait, then a rerun, is granted", async () => {
  await withFixtureServer(async (address) => {
    const idle = await loginAs(address, alice);
    const port = String(portOf(address));
    const killed = await pythonSent(
      SEND_AND_WAIT,
      "127.0.0.1",
      port,
      sysop.name,
      sysop.password,
      "SNGL 30|60",
    );
    await stop(killed);
    const rerun = await loginAs(address, sysop);
    const r = await within("the rerun's SNGL", 25, rerun.command("SNGL 1|60"));
    assert.equal(r.code, 200, r.line);
    assert.equal((await rerun.command("ESNG")).code, 200);
    await rerun.quit();
    await idle.quit().catch(() => {});
  });
});

Deno.test("single-user: a user who never reads cannot hold up SNGL", async () => {
  await withFixtureServer(async (address) => {
    const big = await bigMessage(address, alice);
    const flood = await pythonSent(...neverReadsArgs(address, alice, big));
    try {
      const aide = await loginAs(address, sysop);
      const r = await within("SNGL", 30, aide.command("SNGL 1|60"));
      assert.equal(r.code, 200, r.line);
      assert.equal((await aide.command("ESNG")).code, 200);
      await aide.quit();
    } finally {
      await stop(flood);
    }
  });
});

Deno.test("single-user: a holder stuck writing loses single-user mode at its expiry", async () => {
  await withFixtureServer(async (address) => {
    const big = await bigMessage(address, alice);
    const holder = await pythonSent(...neverReadsArgs(address, sysop, big, "SNGL 0|2"));
    try {
      const refused = await CitadelClient.connect(address);
      assert.equal((await refused.command(`USER ${alice.name}`)).code, 551, "single-user");
      await refused.quit();
      await waitFor("single-user mode to expire", async () => {
        const c = await CitadelClient.connect(address);
        const r = await c.command(`USER ${alice.name}`);
        await c.quit().catch(() => {});
        return r.code === 300;
      }, 20);
    } finally {
      await stop(holder);
    }
  });
});
