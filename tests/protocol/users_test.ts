import assert from "node:assert/strict";
import { FIXTURE_TIME, FIXTURE_USERS } from "../../fixtures/small.ts";
import { strproc } from "../../src/server/commands/users.ts";
import { getRoom, mailboxName } from "../../src/store/rooms.ts";
import { getUser, UserFlag } from "../../src/store/users.ts";
import { CitadelClient, loginAs, withFixtureServer } from "../_helpers.ts";

const { sysop, alice, bob, carol } = FIXTURE_USERS;

Deno.test("users: strproc cleans names as Citadel does", () => {
  assert.equal(strproc("Zoë Müller"), "Zo M ller");
  assert.equal(strproc("sysop_jr"), "sysopjr");
  assert.equal(strproc("  a!b@c,d%e|f  "), "abcdef");
  assert.equal(strproc("Tab\there"), "Tab here");
});

Deno.test("users: NEWU creates and logs in; SETP; the new password works", async () => {
  await withFixtureServer(async (address, store) => {
    const c = await CitadelClient.connect(address);
    const r = await c.command("NEWU New Person");
    assert.equal(r.code, 200);
    const f = r.text.split("|");
    assert.equal(f.length, 7, "the same 7 fields as PASS");
    assert.deepEqual(f.slice(0, 2), ["New Person", "4"], "c_initax");
    const usernum = Number(f[5]);
    assert.ok(usernum > 4);
    // Citadel's create_user makes the personal rooms; login enters the base room.
    for (const name of ["Mail", "Sent Items", "Trash", "Drafts"]) {
      assert.ok(await getRoom(store, mailboxName(usernum, name)), name);
    }
    const trash = (await c.command("GOTO _TRASH_")).text.split("|");
    assert.deepEqual([trash[0], trash[7], trash[13]], ["Trash", "1", "1"], "is_trash");
    assert.equal((await c.command("NEWU Someone Else")).code, 541);
    assert.equal((await c.command("SETP brand-new-pw")).line, "200 Password changed.");
    assert.equal((await c.command("SETP ")).line, "200 Password unchanged.");
    assert.equal((await c.command("LOUT")).code, 200);
    assert.equal((await c.command("USER New Person")).code, 300);
    assert.equal((await c.command("PASS wrong")).code, 540);
    assert.equal((await c.command("USER new person")).code, 300);
    assert.match((await c.command("PASS brand-new-pw")).line, /^200 New Person\|/);
    const gen = await c.command("SETP GENERATE_RANDOM_PASSWORD");
    assert.match(gen.line, /^200 [0-9a-f]{16}$/);
    await c.quit();
    const again = await CitadelClient.connect(address);
    await again.login("New Person", gen.text);
    await again.quit();

    const d = await CitadelClient.connect(address);
    assert.match((await d.command("NEWU Alice Tester")).line, /^574 /);
    assert.match((await d.command("NEWU alicetester")).line, /^574 /, "same key");
    assert.match((await d.command("NEWU bbs")).line, /^512 /);
    assert.match((await d.command("NEWU new")).line, /^512 /);
    assert.match((await d.command("NEWU .")).line, /^512 /);
    assert.equal((await d.command("NEWU ")).code, 542);
    assert.equal((await d.command("SETP x")).code, 520);
    d.close();

    const s = await loginAs(address, sysop);
    assert.equal((await s.command("CONF PUTVAL|c_disable_newu|1")).code, 200);
    await s.quit();
    const e = await CitadelClient.connect(address);
    assert.equal((await e.command("NEWU Late Comer")).code, 560);
    assert.equal(await getUser(store, "Late Comer"), null);
    await e.quit();
  });
});

Deno.test("users: CHEK, GETU and SETU", async () => {
  await withFixtureServer(async (address, store) => {
    const a = await loginAs(address, alice);
    assert.equal((await a.command("CHEK")).line, "200 1|0|0|alice@fixture.example.org|");
    const flags = UserFlag.FLOORS | UserFlag.PAGINATOR | UserFlag.LASTOLD;
    assert.equal((await a.command("GETU")).line, `200 80|24|${flags}|`);
    // Only US_USER_SET bits change; PERM (4) and REGIS (1024) are not the user's to set.
    const want = UserFlag.EXPERT | UserFlag.COLOR;
    assert.equal((await a.command(`SETU 80|24|${want | 4 | 1024}`)).line, "200 Ok");
    assert.equal((await a.command("GETU")).line, `200 80|24|${want}|`);
    assert.equal((await getUser(store, alice.name))!.flags, want);
    assert.equal((await a.command("SETU 80|24")).code, 512);
    // Numbers are read as Citadel's atol() reads them: "lots" is 0.
    assert.equal((await a.command("SETU 80|24|lots")).code, 200);
    // Reading the mail clears CHEK's count.
    assert.equal((await a.command("GOTO _MAIL_")).code, 200);
    assert.equal((await a.command("SLRP HIGHEST")).code, 200);
    assert.match((await a.command("CHEK")).line, /^200 0\|/);
    await a.quit();
    const c = await CitadelClient.connect(address);
    assert.equal((await c.command("CHEK")).code, 520);
    await c.quit();
  });
});

Deno.test("users: CREU, AGUP and ASUP (Aide only); axlevel 0 deletes", async () => {
  await withFixtureServer(async (address, store) => {
    const a = await loginAs(address, alice);
    assert.equal((await a.command("CREU Eve|pw")).code, 550);
    assert.equal((await a.command("AGUP Bob Builder")).code, 550);
    assert.equal((await a.command("ASUP Bob Builder||0|0|0|6")).code, 550);
    await a.quit();

    const s = await loginAs(address, sysop);
    assert.equal(
      (await s.command("CREU Dave_Test|dave-pw")).line,
      "200 User 'DaveTest' created and password set.",
    );
    assert.equal((await s.command("CREU Zoë Müller")).line, "200 User 'Zo M ller' created.");
    assert.match((await s.command("CREU davetest|x")).line, /^574 /);
    assert.equal((await s.command("CREU |x")).code, 542);
    const dave = await loginAs(address, { name: "DaveTest", password: "dave-pw" });
    await dave.quit();

    const agup = await s.command("AGUP alice tester");
    const ax = 4;
    assert.equal(
      agup.line,
      `200 Alice Tester||${
        UserFlag.FLOORS | UserFlag.PAGINATOR | UserFlag.LASTOLD
      }|0|0|${ax}|2|${FIXTURE_TIME}|0`,
      "nine fields, the password left empty",
    );
    assert.equal((await s.command("AGUP Nobody Here")).line, "570 No such user.");
    // Net::Citadel's change_user: AGUP's fields back with one changed; "" keeps the password.
    const fields = agup.text.split("|");
    fields[5] = "5";
    assert.equal((await s.command(`ASUP ${fields.join("|")}`)).line, "200 Ok");
    assert.equal((await getUser(store, alice.name))!.axlevel, 5);
    await (await loginAs(address, alice)).quit();
    fields[1] = "another-pw";
    assert.equal((await s.command(`ASUP ${fields.join("|")}`)).code, 200);
    const c = await CitadelClient.connect(address);
    await assert.rejects(c.login(alice.name, alice.password));
    c.close();
    await (await loginAs(address, { name: alice.name, password: "another-pw" })).quit();
    assert.equal((await s.command("ASUP Bob Builder||0|0|0|9")).code, 200, "bad level ignored");
    assert.equal((await getUser(store, bob.name))!.axlevel, 4);
    assert.equal((await s.command("ASUP Bob Builder||x")).code, 200, "atol: x is 0");

    assert.equal(
      (await s.command("ASUP Carol Problem||0|0|0|0")).line,
      "200 Ok (Carol Problem deleted)",
    );
    assert.equal(await getUser(store, carol.name), null);
    assert.equal((await s.command("QUSR Carol Problem")).code, 570);
    const gone = await CitadelClient.connect(address);
    assert.equal((await gone.command("USER Carol Problem")).code, 570);
    await gone.quit();
    await s.quit();
  });
});

Deno.test("users: LIST, QUSR and RWHO", async () => {
  await withFixtureServer(async (address, store) => {
    const anon = await CitadelClient.connect(address);
    const { lines } = await anon.listing("LIST");
    const names = lines.map((l) => l.split("|")[0]);
    assert.deepEqual(names, ["Alice Tester", "Bob Builder", "Carol Problem", "SysOp"]);
    const aliceLine = lines[0].split("|");
    assert.deepEqual(aliceLine, ["Alice Tester", "4", "2", String(FIXTURE_TIME), "0", "0", "", ""]);
    assert.deepEqual((await anon.listing("LIST bob")).lines.map((l) => l.split("|")[0]), [
      "Bob Builder",
    ]);
    assert.equal((await anon.command("QUSR alicetester")).line, "200 Alice Tester");
    assert.equal((await anon.command("QUSR nobody")).line, "570 No such user.");

    // An unlisted user is hidden from everyone but Aides.
    const b = await loginAs(address, bob);
    assert.equal((await b.command(`SETU 80|24|${UserFlag.UNLISTED}`)).code, 200);
    assert.ok(!(await anon.listing("LIST")).lines.some((l) => l.startsWith("Bob Builder|")));
    const s = await loginAs(address, sysop);
    assert.ok((await s.listing("LIST")).lines.some((l) => l.startsWith("Bob Builder|")));

    assert.equal((await b.command("GOTO Upstairs Lounge")).code, 200);
    assert.equal((await s.command("GOTO _MAIL_")).code, 200);
    // Without c_guest_logins, RWHO needs a login; client addresses are for Aides.
    assert.equal((await anon.command("RWHO")).code, 520);
    const who = await s.listing("RWHO");
    const rows = who.lines.map((l) => l.split("|"));
    assert.equal(rows.length, 3);
    for (const r of rows) assert.equal(r.length, 12, r.join("|"));
    const bobRow = rows.find((r) => r[1] === "Bob Builder")!;
    assert.deepEqual([bobRow[2], bobRow[3], bobRow[6], bobRow[11]], [
      "Upstairs Lounge",
      "127.0.0.1",
      "GOTO",
      "1",
    ]);
    assert.equal(rows.find((r) => r[1] === "SysOp")![2], "Mail", "no mailbox prefix");
    const anonRow = rows.find((r) => r[1] === "(not logged in)")!;
    // RWHO does not count as a last command (902 leaves keep-alives and RWHO out).
    assert.deepEqual([anonRow[6], anonRow[11]], ["LIST", "0"]);
    assert.ok(await getUser(store, bob.name));
    await b.quit();
    await s.quit();
    await anon.quit();
  });
});
