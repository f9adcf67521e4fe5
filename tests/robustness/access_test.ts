/**
 * Nobody reads what isn't theirs (issue 12, items 3, 5 and 17): mailbox-form room names,
 * rights re-checked on every command, RWHO by Citadel's rules; and c_maxmsglen.
 */
import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { configOp } from "../../src/store/control.ts";
import { createRoom, mailboxName, RoomFlag, roomMessages } from "../../src/store/rooms.ts";
import { createUser, getUser, userOps } from "../../src/store/users.ts";
import { joinFamilies, subVerbs } from "../../src/server/dispatch.ts";
import { CitadelClient, loginAs, withFixtureServer } from "../_helpers.ts";

const { alice, bob, sysop } = FIXTURE_USERS;

Deno.test("access: rooms named like a mailbox cannot be created or renamed into", async () => {
  await withFixtureServer(async (address, store) => {
    const victim = (await getUser(store, bob.name))!;
    const box = `${String(victim.usernum).padStart(10, "0")}.Mail`;
    const c = await loginAs(address, alice);
    assert.equal((await c.command(`CRE8 1|${box}|0`)).code, 512);
    assert.equal((await c.command(`CRE8 1|0000000099.Anything|0`)).code, 512);
    await c.quit();
    const aide = await loginAs(address, sysop);
    assert.equal((await aide.command("CRE8 1|Den|0")).code, 200);
    assert.equal((await aide.command("GOTO Den")).code, 200);
    assert.equal((await aide.command(`SETR ${box}||den|0`)).code, 512);
    assert.equal((await aide.command("SETR Den Two||den|0")).code, 200, "other names are fine");
    await aide.quit();
  });
});

Deno.test("access: mail never lands in a room that only has a mailbox's name", async () => {
  await withFixtureServer(async (address, store) => {
    const dora = await createUser(store, { fullname: "Dora Victim" }, "dora-pass");
    // A public room squatting Dora's mailbox name, as old data might hold.
    const squat = await createRoom(store, {
      name: mailboxName(dora.usernum, "Mail"),
      flags: RoomFlag.INUSE,
    });
    const a = await loginAs(address, alice);
    assert.equal((await a.command("GOTO _MAIL_")).code, 200);
    assert.equal((await a.command("ENT0 1|Dora Victim")).code, 400);
    await a.send("for Dora only");
    await a.send("000");
    assert.equal((await a.command("NOOP")).code, 200);
    assert.deepEqual(await roomMessages(store, squat.number), [], "nothing in the squatter");
    await a.quit();
    const d = await loginAs(address, { name: "Dora Victim", password: "dora-pass" });
    const r = await d.command("GOTO _MAIL_");
    assert.ok(r.code !== 200 || !r.text.startsWith(squat.name), r.line);
    await d.quit();
  });
});

Deno.test("access: a demoted Aide loses Aide rights, a deleted user is logged out, at once", async () => {
  await withFixtureServer(async (address, store) => {
    const aide = await loginAs(address, sysop);
    assert.equal((await aide.command("SYNC all|info")).code, 100);
    await aide.readListing();
    const u = (await getUser(store, sysop.name))!;
    await store.write(userOps({ ...u, axlevel: 4 }));
    assert.equal((await aide.command("SYNC all|info")).code, 550);
    assert.equal((await aide.command("CONF GET")).code, 550);
    await store.write(userOps({ ...u, axlevel: 0 }));
    assert.equal((await aide.command("GOTO Lobby")).code, 520, "deleted: logged out");
    assert.equal((await aide.command("NOOP")).code, 200, "the session goes on");
    await aide.quit();
  });
});

Deno.test("access: RWHO needs a login unless c_guest_logins; addresses only for Aides", async () => {
  await withFixtureServer(async (address, store) => {
    const anon = await CitadelClient.connect(address);
    assert.equal((await anon.command("RWHO")).code, 520);
    const a = await loginAs(address, alice);
    const hosts = (await a.listing("RWHO")).lines.map((l) => l.split("|")[3]);
    assert.ok(hosts.length >= 2 && hosts.every((h) => h === ""), hosts.join(","));
    const s = await loginAs(address, sysop);
    const aideHosts = (await s.listing("RWHO")).lines.map((l) => l.split("|")[3]);
    assert.ok(aideHosts.every((h) => h === "127.0.0.1"), aideHosts.join(","));
    await store.write([configOp("c_guest_logins", "1")]);
    const guest = (await anon.listing("RWHO")).lines.map((l) => l.split("|")[3]);
    assert.ok(guest.length >= 3 && guest.every((h) => h === ""), guest.join(","));
    for (const c of [anon, a, s]) await c.quit();
  });
});

Deno.test("access: ENT0 keeps at most c_maxmsglen bytes of a message", async () => {
  await withFixtureServer(
    async (address) => {
      const c = await loginAs(address, alice);
      assert.equal((await c.command("GOTO Lobby")).code, 200);
      assert.equal((await c.command("ENT0 1")).code, 400);
      for (let i = 0; i < 50; i++) await c.send("x".repeat(60));
      await c.send("000");
      const nums = (await c.listing("MSGS LAST|1")).lines;
      const { lines } = await c.listing(`MSG2 ${nums[0]}`);
      const body = lines.slice(lines.indexOf("") + 1).join("\n");
      assert.ok(body.length <= 200, `body of ${body.length} bytes`);
      await c.quit();
    },
    async (store) => {
      await store.write([configOp("c_maxmsglen", "200")]);
    },
  );
});

Deno.test("dispatch: a verb or sub-verb defined twice fails at start-up", () => {
  const cmd = { access: "any" as const, run: () => Promise.resolve() };
  assert.throws(
    () => joinFamilies({ a: { NOOP: cmd }, b: { NOOP: cmd } }),
    /NOOP is defined twice/,
  );
  const sub = () => Promise.resolve();
  assert.throws(() => subVerbs("aide", { get: sub, GET: sub }, () => ""), /GET is defined twice/);
  assert.doesNotThrow(() => joinFamilies({ a: { NOOP: cmd }, b: { ECHO: cmd } }));
});
