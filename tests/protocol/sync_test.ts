import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { CitadelClient, loginAs, waitFor, withFixtureServer } from "../_helpers.ts";

const { sysop, alice } = FIXTURE_USERS;

Deno.test("protocol: greeting, garbage and overlong lines get 5xx and the session goes on", async () => {
  await withFixtureServer(async (address) => {
    const c = await CitadelClient.connect(address);
    assert.match(c.greeting.line, /^200 fixture Citadel server ready\.$/);
    assert.equal((await c.command("XYZZY plugh")).code, 530);
    assert.equal((await c.command("")).code, 530);
    assert.equal((await c.command("\u0000\u00ff garbage")).code, 530);
    assert.equal((await c.command("A".repeat(9000))).code, 512);
    assert.equal((await c.command("NOOPX")).code, 530);
    assert.equal((await c.command("SYNC users|info")).code, 520, "not logged in");
    assert.equal((await c.command("PASS x")).code, 542, "PASS before USER");
    assert.equal((await c.command("USER nobody-here")).code, 570);
    assert.equal((await c.command("USER Alice Tester")).code, 300);
    assert.equal((await c.command("NOOP")).line, "200 ok", "NOOP between USER and PASS");
    assert.equal((await c.command("PASS wrong")).code, 540);
    assert.equal((await c.command("USER Alice Tester")).code, 300);
    assert.match((await c.command(`PASS ${alice.password}`)).line, /^200 Alice Tester\|4\|/);
    assert.equal((await c.command("ECHO hi there")).line, "200 hi there");
    const { lines } = await c.listing("INFO");
    assert.equal(lines.length, 25);
    assert.equal(lines[1], "fixture");
    await c.quit();
  });
});

Deno.test("protocol: SYNC and SNGL need an Aide; bad tables and arguments get 512", async () => {
  await withFixtureServer(async (address) => {
    const a = await loginAs(address, alice);
    assert.equal((await a.command("SYNC users|info")).code, 550);
    assert.equal((await a.command("SNGL 1|10")).code, 550);
    assert.equal((await a.command("ESNG")).code, 550);
    await a.quit();
    const s = await loginAs(address, sysop);
    assert.match(
      (await s.command("SYNC users|info")).line,
      /^200 users\|4\|[0-9a-f]{16}\|\d+\|\d+\|/,
    );
    for (
      const bad of [
        "SYNC nosuch|info",
        "SYNC users|explode",
        "SYNC users",
        "SYNC users|since|abc",
        "SYNC users|range|zz",
        "SYNC users|get|5b315d",
      ]
    ) {
      const r = await s.command(bad);
      assert.equal(r.code, 512, `${bad} -> ${r.line}`);
    }
    assert.equal((await s.command("NOOP")).code, 200, "connection still usable");
    const { lines } = await s.listing("SYNC all|info");
    assert.equal(lines.length, 16);
    await s.quit();
  });
});

Deno.test("SNGL: others are warned, refused logins and writes; ESNG lets them back", async () => {
  await withFixtureServer(async (address) => {
    const holder = await loginAs(address, sysop);
    const other = await loginAs(address, sysop);
    const sngl = holder.command("SNGL 10|60");
    // The warning arrives as an instant message: NOOP's reply says one is waiting.
    await waitFor(
      async () => (await other.command("NOOP")).line === "200*ok",
      5000,
      "the single-user warning",
    );
    const im = await other.listing("GEXP");
    assert.match(im.lines.join("\n"), /going single-user/);
    assert.equal((await other.command("EMSG hello")).code, 552, "writes from others are refused");
    const late = await CitadelClient.connect(address);
    assert.equal((await late.command("USER Alice Tester")).code, 551, "new logins are refused");
    late.close();
    await other.quit();
    const r = await sngl;
    assert.match(r.line, /^200 single-user\|sysop\|60\|0$/);
    // The holder can write; a repeat SNGL reports the same state.
    assert.equal((await holder.command("EMSG hello")).code, 400);
    await holder.send(" A new greeting.");
    await holder.send("000");
    assert.match((await holder.command("SNGL 0|60")).line, /^200 single-user\|sysop/);
    assert.equal((await holder.command("ESNG")).line, "200 multi-user");
    assert.equal((await holder.command("ESNG")).line, "200 multi-user", "safe to repeat");
    const back = await loginAs(address, alice);
    const mesg = await back.listing("MESG hello");
    assert.deepEqual(mesg.lines, [" A new greeting."]);
    await back.quit();
    await holder.quit();
  });
});

Deno.test("SNGL: after wait the others are ended; expire ends it when the holder goes", async () => {
  await withFixtureServer(async (address) => {
    const bystander = await loginAs(address, alice);
    const holder = await loginAs(address, sysop);
    const r = await holder.command("SNGL 1|1");
    assert.match(
      r.line,
      /^200 single-user\|sysop\|1\|1$/,
      "one other session ended after the wait",
    );
    await assert.rejects(bystander.command("NOOP"), "the bystander's connection was closed");
    holder.close();
    const c = await CitadelClient.connect(address);
    assert.equal((await c.command("USER Alice Tester")).code, 551);
    const started = Date.now();
    await waitFor(
      async () => (await c.command("USER Alice Tester")).code === 300,
      5000,
      "single-user mode to expire",
      100,
    );
    assert.ok(Date.now() - started >= 500, "not before the expire time");
    await c.quit();
  });
});

Deno.test("idle: a connection that sends nothing is closed after the idle time", async () => {
  await withFixtureServer(
    async (address, _store, server) => {
      const quiet = await CitadelClient.connect(address);
      const busy = await CitadelClient.connect(address);
      const started = Date.now();
      // The busy one keeps talking; the quiet one is closed after about a second.
      await waitFor(
        async () => {
          assert.equal((await busy.command("NOOP")).code, 200);
          return server.sessions.size === 1;
        },
        5000,
        "the quiet session to be closed",
        200,
      );
      assert.equal((await busy.command("NOOP")).code, 200, "the busy one stays");
      await assert.rejects(quiet.command("NOOP"));
      assert.ok(Date.now() - started >= 1000);
      await busy.quit();
    },
    undefined,
    { idleSeconds: 1 },
  );
});
