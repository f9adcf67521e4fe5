import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { CONF_POSITIONS } from "../../src/server/commands/admin.ts";
import { readConfig } from "../../src/store/control.ts";
import { loginAs, withFixtureServer } from "../_helpers.ts";

const { sysop, alice } = FIXTURE_USERS;

Deno.test("admin: CONF GET lists the legacy positions; CONF SET writes them back", async () => {
  await withFixtureServer(async (address, store) => {
    const s = await loginAs(address, sysop);
    const get = await s.listing("CONF GET");
    assert.equal(get.reply.line, "100 Configuration...");
    assert.equal(get.lines.length, 72);
    assert.equal(CONF_POSITIONS.length, 72);
    assert.equal(get.lines[0], "fixture");
    assert.equal(get.lines[1], "fixture.example.org");
    assert.equal(get.lines[2], "Fixture BBS");
    assert.equal(get.lines[3], "xxx", "an unused position, as 902 prints it");
    assert.equal(get.lines[18], "(null)", "an unset text setting, as 902 prints it");
    assert.equal(get.lines[4], "0", "an unset number, as 902 prints it");
    assert.equal(get.lines[9], "Trashcan");
    assert.equal(get.lines[13], "SysOp");
    assert.equal(get.lines[19], "3", "c_createax");

    // The text client's round trip: read, change one line, send all back.
    const lines = [...get.lines];
    lines[2] = "Renamed BBS";
    lines[3] = "ignored, position unused";
    const before = await store.stamp();
    assert.equal((await s.command("CONF SET")).line, "400 Send configuration...");
    for (const l of lines) await s.send(l);
    await s.send("000");
    // Nothing follows the 000; the next reply is the next command's.
    assert.equal((await s.command("CONF GETVAL|c_humannode")).line, "200 Renamed BBS|");
    assert.equal(await readConfig(store, "c_phonenum"), "");
    // One commit of what changed, then 902's notice in the Aide room and its poster count.
    assert.equal(await store.stamp(), before + 3, "only what changed, and the notice");
    const info = await s.listing("INFO");
    assert.equal(info.lines[2], "Renamed BBS");

    // A short list leaves the later positions alone.
    assert.equal((await s.command("CONF SET")).code, 400);
    await s.send("newnode");
    await s.send("000");
    assert.equal((await s.command("CONF GETVAL|c_nodename")).line, "200 newnode|");
    assert.equal((await s.command("CONF GETVAL|c_sysadm")).line, "200 SysOp|");
    await s.quit();
  });
});

Deno.test("admin: CONF GETVAL, PUTVAL and LISTVAL; errors; Aides only", async () => {
  await withFixtureServer(async (address, store) => {
    const a = await loginAs(address, alice);
    assert.equal((await a.command("CONF GET")).code, 550);
    assert.equal((await a.command("CONF PUTVAL|c_nodename|evil")).code, 550);
    assert.equal(await readConfig(store, "c_nodename"), "fixture");

    const s = await loginAs(address, sysop);
    assert.equal((await s.command("CONF GETVAL|c_nodename")).line, "200 fixture|");
    assert.equal((await s.command("CONF GETVAL|c_never_set")).line, "500 |");
    assert.equal(
      (await s.command("CONF PUTVAL|c_aide_zap|1")).line,
      "200 setting 'c_aide_zap' to '1'",
    );
    assert.equal(await readConfig(store, "c_aide_zap"), "1");
    // With c_aide_zap an Aide may forget rooms.
    assert.equal((await s.command("GOTO Upstairs Lounge")).code, 200);
    assert.equal((await s.command("FORG")).line, "200 Ok");
    assert.equal((await s.command("CONF PUTVAL|c_site_location|Here|There")).code, 200);
    assert.equal(await readConfig(store, "c_site_location"), "Here|There");
    const list = await s.listing("CONF LISTVAL");
    assert.ok(list.lines.includes("c_nodename|fixture"));
    assert.ok(list.lines.includes("c_aide_zap|1"));
    assert.equal((await s.command("CONF")).code, 512);
    assert.equal((await s.command("CONF EXPLODE")).code, 512);
    assert.equal((await s.command("CONF GETVAL")).code, 512);
    assert.equal((await s.command("CONF GETVAL|bad key")).code, 512);
    assert.equal((await s.command("CONF PUTVAL|c_x")).line, "500 name and value required");
    await s.quit();
    await a.quit();
  });
});

Deno.test("admin: CONF SET and PUTVAL from a non-holder in single-user mode get 552 before 400", async () => {
  await withFixtureServer(async (address, store) => {
    const holder = await loginAs(address, sysop);
    assert.equal((await holder.command("SNGL 0|60")).code, 200);
    const other = await loginAs(address, sysop);
    assert.equal((await other.command("CONF SET")).code, 552);
    assert.equal((await other.command("CONF PUTVAL|c_nodename|x")).code, 552);
    assert.equal((await other.command("CONF PUTVAL|c_nodename|fixture")).code, 552, "even a no-op");
    assert.equal((await other.command("NOOP")).line, "200 ok", "still in step");
    assert.equal(await readConfig(store, "c_nodename"), "fixture");
    assert.equal((await holder.command("CONF PUTVAL|c_nodename|held")).code, 200);
    assert.equal(await readConfig(store, "c_nodename"), "held");
    await other.quit();
    await holder.quit();
  });
});
