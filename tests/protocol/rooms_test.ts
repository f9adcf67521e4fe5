import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { UA } from "../../src/server/access.ts";
import { getRoom, roomMessages } from "../../src/store/rooms.ts";
import { CitadelClient, loginAs, withFixtureServer } from "../_helpers.ts";

const { sysop, alice, bob, carol } = FIXTURE_USERS;

/** A room list (LKRA & co.) as name -> fields. */
async function rooms(c: CitadelClient, cmd: string): Promise<Map<string, string[]>> {
  const { lines } = await c.listing(cmd);
  const out = new Map<string, string[]>();
  for (const line of lines) {
    const f = line.split("|");
    assert.equal(f.length, 10, `9 fields and a trailing |: ${line}`);
    assert.equal(f[9], "");
    out.set(f[0], f);
  }
  return out;
}

const ua = (m: Map<string, string[]>, name: string) => Number(m.get(name)![5]);

Deno.test("rooms: LKRA line format and UA bits for Alice, SysOp and Carol", async () => {
  await withFixtureServer(async (address, store) => {
    const a = await loginAs(address, alice);
    const known = await rooms(a, "LKRA -1");
    assert.deepEqual([...known.keys()], [
      "Mail",
      "Calendar",
      "Contacts",
      "File Library",
      "Inner Circle",
      "Lobby",
      "Old Stuff",
      "Trashcan",
      "Upstairs Lounge",
    ]);
    const lobby = (await getRoom(store, "Lobby"))!;
    assert.deepEqual(known.get("Lobby"), [
      "Lobby",
      String(lobby.flags),
      "0",
      "0",
      "0",
      String(UA.KNOWN | UA.GOTOALLOWED | UA.HASNEWMSGS | UA.POSTALLOWED | UA.REPLYALLOWED),
      "0",
      "0",
      String(lobby.mtime),
      "",
    ]);
    // Own mailbox: full rights, listed without the 10-digit prefix.
    assert.equal(
      ua(known, "Mail"),
      UA.KNOWN | UA.GOTOALLOWED | UA.HASNEWMSGS | UA.POSTALLOWED | UA.DELETEALLOWED |
        UA.REPLYALLOWED,
    );
    assert.equal(known.get("Upstairs Lounge")![2], "1", "floor field");
    assert.equal(known.get("Calendar")![7], "3", "default view");
    // An empty room has nothing new (Citadel reads an empty seen set as 0).
    assert.equal(ua(known, "Trashcan") & UA.HASNEWMSGS, 0);
    assert.deepEqual([...(await rooms(a, "LKRA 1")).keys()], ["Upstairs Lounge"]);
    assert.deepEqual([...(await rooms(a, "LKRA 2")).keys()], ["Old Stuff"]);
    // Arguments are read with atol(), as Citadel reads them: "x" is floor 0.
    assert.equal((await a.command("LKRA x")).code, 100);
    await a.quit();

    const s = await loginAs(address, sysop);
    const all = await rooms(s, "LKRA");
    for (const name of ["Aide", "Hidden Den", "Vault", "Inner Circle", "Mail"]) {
      assert.ok(all.has(name), `an Aide knows ${name}`);
    }
    assert.ok(!all.has("Local System Configuration"), "QR2_SYSTEM rooms are never known");
    assert.ok(![...all.keys()].some((n) => /^\d{10}\./.test(n)), "others' mailboxes stay hidden");
    const aideBits = UA.ADMINALLOWED | UA.DELETEALLOWED;
    assert.equal(ua(all, "Lobby") & aideBits, aideBits);
    await s.quit();

    const c = await loginAs(address, carol);
    const carols = await rooms(c, "LKRA -1");
    assert.ok(!carols.has("Inner Circle"), "invitation-only without an invitation");
    assert.ok(!carols.has("Mail"), "Carol has no mailbox (nothing is written on login)");
    assert.equal(ua(carols, "Lobby") & UA.POSTALLOWED, UA.POSTALLOWED, "level 2 may post");
    assert.equal(ua(carols, "Lobby") & UA.ADMINALLOWED, 0);
    await c.quit();

    // Level 1 (new, unvalidated) may not post outside mail.
    const admin = await loginAs(address, sysop);
    assert.equal((await admin.command("ASUP Carol Problem||0|0|0|1")).code, 200);
    await admin.quit();
    const c1 = await loginAs(address, carol);
    assert.equal(ua(await rooms(c1, "LKRA"), "Lobby") & UA.POSTALLOWED, 0);
    await c1.quit();
  });
});

Deno.test("rooms: LPRM works without login; LKRA needs one", async () => {
  await withFixtureServer(async (address) => {
    const c = await CitadelClient.connect(address);
    assert.equal((await c.command("LKRA")).code, 520);
    assert.equal((await c.command("GOTO Lobby")).code, 520);
    const pub = await rooms(c, "LPRM -1");
    assert.ok(pub.has("Lobby") && pub.has("Upstairs Lounge"));
    assert.ok(!pub.has("Vault") && !pub.has("Hidden Den") && !pub.has("Inner Circle"));
    assert.ok(![...pub.keys()].some((n) => n.endsWith("Mail")));
    await c.quit();
  });
});

Deno.test("rooms: GOTO 16 fields, macros, hidden/passworded/invitation-only, 540/572", async () => {
  await withFixtureServer(async (address, store) => {
    const a = await loginAs(address, alice);
    const lobby = (await getRoom(store, "Lobby"))!;
    const r = await a.command("GOTO _BASEROOM_|");
    assert.equal(r.code, 200);
    const f = r.text.split("|");
    assert.equal(f.length, 17, "16 fields and a trailing |");
    assert.deepEqual(f, [
      "Lobby",
      "1", // unread: Alice has seen all but the highest
      "4", // total
      "0", // banner already seen
      String(lobby.flags),
      String(lobby.highest),
      String(lobby.highest - 1),
      "0",
      "0",
      "0",
      "0",
      "0",
      "0",
      "0",
      "0",
      String(lobby.mtime),
      "",
    ]);
    const mail = (await a.command("GOTO _MAIL_")).text.split("|");
    assert.deepEqual([mail[0], mail[1], mail[2], mail[7]], ["Mail", "1", "1", "1"]);
    assert.equal((await a.command("GOTO Mail|")).text.split("|")[0], "Mail");
    assert.equal((await a.command("GOTO _BITBUCKET_")).text.split("|")[0], "Trashcan");
    assert.equal((await a.command("GOTO _CALENDAR_")).text.split("|")[0], "Calendar");
    assert.equal((await a.command("GOTO lobby")).text.split("|")[0], "Lobby", "any case");
    // ctdlsync does not write on login, so the personal rooms 902 would add are not made.
    assert.equal((await a.command("GOTO _TRASH_")).code, 572, "Alice has no Trash room");

    // Hidden room: enterable by name, then known.
    assert.ok(!(await rooms(a, "LKRA")).has("Hidden Den"));
    assert.equal((await a.command("GOTO Hidden Den")).code, 200);
    assert.ok((await rooms(a, "LKRA")).has("Hidden Den"), "entering made it known");

    // Passworded room: 540 until the password (any case) is given once.
    assert.match((await a.command("GOTO Vault")).line, /^540 /);
    assert.equal((await a.command("GOTO Vault|wrong")).code, 540);
    assert.equal((await a.command("GOTO Vault|OpenSesame")).code, 200);
    assert.equal((await a.command("GOTO Vault|")).code, 200, "known now: no password needed");

    // Transient entry does not mark a room known.
    await a.quit();
    const b = await loginAs(address, bob);
    assert.equal((await b.command("GOTO Hidden Den||1")).code, 200);
    assert.ok(!(await rooms(b, "LKRA")).has("Hidden Den"), "transient GOTO");
    // Invitation-only, the Aide room and others' mailboxes: 572, as if absent.
    assert.equal((await b.command("GOTO Inner Circle")).line, "572 room 'Inner Circle' not found");
    assert.equal((await b.command("GOTO Aide")).code, 572);
    assert.equal((await b.command("GOTO 0000000002.Mail")).code, 572);
    assert.equal((await b.command("GOTO No Such Room")).code, 572);
    assert.equal((await b.command("GOTO")).code, 572);
    // First entry to a room with a banner raises the info flag; RINF shows it.
    const first = (await b.command("GOTO Lobby")).text.split("|");
    assert.equal(first[3], "1");
    const info = await b.listing("RINF");
    assert.equal(info.reply.line, "100 Info:");
    assert.deepEqual(info.lines, ["The Lobby: say hello, read the rules."]);
    assert.equal((await b.command("GOTO Lobby")).text.split("|")[3], "0", "seen once");
    assert.equal((await b.command("GOTO Trashcan")).code, 200);
    assert.equal((await b.command("RINF")).line, "571 No info file.");
    await b.quit();

    // Aides go anywhere, including a mailbox shown under its full name.
    const s = await loginAs(address, sysop);
    assert.equal((await s.command("GOTO Vault")).code, 200, "no password for an Aide");
    assert.equal((await s.command("GOTO Inner Circle")).code, 200);
    assert.ok(!(await rooms(s, "LKRA")).has("0000000002.Mail"));
    const other = (await s.command("GOTO 0000000002.Mail")).text.split("|");
    assert.deepEqual([other[0], other[7], other[8]], ["0000000002.Mail", "1", "1"]);
    // As in Citadel, entering grants V_ACCESS, and that makes a mailbox known.
    assert.ok((await rooms(s, "LKRA")).has("0000000002.Mail"));
    await s.quit();
  });
});

Deno.test("rooms: SLRP moves a room from LKRN to LKRO; SEEN and GTSN edit the seen set", async () => {
  await withFixtureServer(async (address, store) => {
    const lobby = (await getRoom(store, "Lobby"))!;
    const a = await loginAs(address, alice);
    assert.ok((await rooms(a, "LKRN -1")).has("Lobby"));
    assert.ok(!(await rooms(a, "LKRO -1")).has("Lobby"));
    assert.equal((await a.command("GOTO Lobby")).code, 200);
    assert.equal((await a.command("SLRP HIGHEST")).line, `200 ${lobby.highest}`);
    assert.equal((await a.command("GTSN")).line, `200 *:${lobby.highest}`);
    assert.ok(!(await rooms(a, "LKRN -1")).has("Lobby"));
    const lkro = await rooms(a, "LKRO -1");
    assert.equal(ua(lkro, "Lobby") & UA.HASNEWMSGS, 0);
    // GOTO now reports nothing unread and the new last-read pointer.
    const g = (await a.command("GOTO Lobby")).text.split("|");
    assert.deepEqual([g[1], g[6]], ["0", String(lobby.highest)]);
    // Unmark the highest message: the room has news again.
    assert.equal((await a.command(`SEEN ${lobby.highest}|0`)).line, "200 OK");
    // SEEN writes the set again from the room's own messages, as 902 does.
    const msgs = await roomMessages(store, lobby.number);
    assert.equal((await a.command("GTSN")).line, `200 ${msgs[0]}:${msgs[msgs.length - 2]}`);
    assert.ok((await rooms(a, "LKRN")).has("Lobby"));
    assert.equal((await a.command(`SEEN ${lobby.highest}|1`)).code, 200);
    assert.ok(!(await rooms(a, "LKRN")).has("Lobby"));
    assert.equal((await a.command("SEEN 5")).code, 512);
    assert.equal((await a.command("SLRP abc")).line, "200 0", "atol: abc is 0");
    assert.equal((await a.command("SLRP 2")).line, "200 2");
    assert.equal((await a.command("GTSN")).line, "200 *:2");
    await a.quit();
  });
});

Deno.test("rooms: FORG zaps a room into LZRM; GOTO brings it back; Aides may not forget", async () => {
  await withFixtureServer(async (address) => {
    const b = await loginAs(address, bob);
    const zapped = await rooms(b, "LZRM -1");
    assert.deepEqual([...zapped.keys()], ["Old Stuff"], "the fixture's zapped room");
    assert.equal(ua(zapped, "Old Stuff") & (UA.ZAPPED | UA.KNOWN), UA.ZAPPED);
    assert.ok((await rooms(b, "LRMS")).has("Old Stuff"), "LRMS lists zapped rooms too");
    assert.equal((await b.command("GOTO Upstairs Lounge")).code, 200);
    assert.equal((await b.command("FORG")).line, "200 Ok");
    assert.ok(!(await rooms(b, "LKRA")).has("Upstairs Lounge"));
    assert.ok((await rooms(b, "LZRM")).has("Upstairs Lounge"));
    // FORG leaves the user in the base room.
    assert.equal((await b.command("GOTO Old Stuff")).code, 200);
    assert.ok((await rooms(b, "LKRA")).has("Old Stuff"), "entering unzaps");
    assert.ok(!(await rooms(b, "LZRM")).has("Old Stuff"));
    await b.quit();

    const s = await loginAs(address, sysop);
    assert.equal((await s.command("GOTO Upstairs Lounge")).code, 200);
    assert.equal((await s.command("FORG")).line, "560 You may not forget this room.");
    await s.quit();
  });
});

Deno.test("rooms: LFLR, CFLR, CRE8, GETR and SETR round trip", async () => {
  await withFixtureServer(async (address, store) => {
    const s = await loginAs(address, sysop);
    const floors = await s.listing("LFLR");
    assert.deepEqual(floors.lines, ["0|Main Floor|12", "1|Upstairs|2", "2|Archive|1"]);
    assert.equal((await s.command("CFLR Basement|0")).code, 200, "check only");
    assert.equal((await s.command("CFLR Basement|1")).line, "200 3");
    assert.match((await s.command("CFLR basement|1")).line, /^574 .*already exists/);
    assert.equal((await s.command("CFLR |1")).code, 512);

    assert.equal(
      (await s.command("CRE8 0|Test Room|2|secret|3|0|0")).line,
      "200 OK to create 'Test Room'",
    );
    assert.equal(await getRoom(store, "Test Room"), null, "ok=0 only checks");
    assert.equal(
      (await s.command("CRE8 1|Test Room|2|secret|3|0|0")).line,
      "200 'Test Room' has been created.",
    );
    assert.match((await s.command("CRE8 1|test room|0||0")).line, /^574 /);
    assert.match((await s.command("CRE8 1|Mail|0")).line, /^574 /);
    assert.equal((await s.command("CRE8 1|Nowhere|0||9")).code, 561, "floor not in use");
    assert.equal((await s.command("CRE8 1|Odd|7")).code, 512, "bad type");
    assert.equal((await s.command("CRE8 1||0")).code, 512);
    assert.ok((await s.listing("LFLR")).lines.includes("3|Basement|1"));

    assert.equal((await s.command("GOTO Test Room")).code, 200);
    const PRIV_PW = 2 | 4 | 8;
    assert.equal((await s.command("GETR")).line, `200 Test Room|secret||${PRIV_PW}|3|64|0|0|`);
    assert.equal(
      (await s.command(`SETR Renamed Room|newpw||${PRIV_PW}|0|3|10|0|0`)).line,
      "200 Ok",
    );
    assert.equal((await s.command("GETR")).line, `200 Renamed Room|newpw||${PRIV_PW}|3|10|0|0|`);
    assert.equal(await getRoom(store, "Test Room"), null, "the old key is gone");
    const renamed = (await getRoom(store, "Renamed Room"))!;
    assert.equal(renamed.number, (await getRoom(store, "Renamed Room"))!.number);
    assert.equal((await s.command("GOTO Test Room")).code, 572);
    assert.match((await s.command("SETR Lobby|x||0")).line, /^574 /, "name taken");
    assert.equal((await s.command("SETR only|two")).code, 512);

    // A user who learns the password knows the room until the generation is bumped.
    const a = await loginAs(address, alice);
    assert.equal((await a.command("GOTO Renamed Room")).code, 540);
    assert.equal((await a.command("GOTO Renamed Room|newpw")).code, 200);
    assert.equal((await a.command("GETR")).code, 550, "not a room aide");
    assert.equal((await a.command("SETR Mine|||0")).code, 550);
    assert.equal((await s.command(`SETR Renamed Room|newpw||${PRIV_PW}|1|3|10|0|0`)).code, 200);
    assert.equal((await a.command("GOTO Lobby")).code, 200);
    assert.equal((await a.command("GOTO Renamed Room")).code, 540, "bumped: forgotten");

    // Moving a room to another floor moves the floor counts.
    assert.equal((await s.command(`SETR Renamed Room|newpw||${PRIV_PW}|0|1|10|0|0`)).code, 200);
    const after = (await s.listing("LFLR")).lines;
    assert.ok(after.includes("3|Basement|0") && after.includes("1|Upstairs|3"), after.join(","));

    // SETR keeps the base room public whatever the client sends.
    assert.equal((await s.command("GOTO Lobby")).code, 200);
    assert.equal((await s.command("SETR Lobby|pw||12|0|0|50|0|0")).code, 200);
    assert.equal((await s.command("GETR")).line.split("|")[3], String(1 | 2));
    assert.equal((await s.command("SETR Lobby2|||3")).code, 560, "the base room keeps its name");

    // Personal rooms live in the creator's namespace.
    assert.equal((await a.command("CRE8 1|My Stuff|4")).code, 200);
    assert.ok((await rooms(a, "LKRA")).has("My Stuff"));
    assert.ok(await getRoom(store, "0000000002.My Stuff"));
    assert.ok(!(await rooms(s, "LKRA")).has("My Stuff"));
    await a.quit();

    // EFLR renames a floor; KFLR deletes only an empty one.
    assert.equal((await s.command("EFLR 3|Cellar")).line, "200 Ok");
    assert.ok((await s.listing("LFLR")).lines.includes("3|Cellar|0"));
    assert.match((await s.command("KFLR 1|1")).line, /^561 Cannot delete; floor contains 3 rooms/);
    assert.equal((await s.command("KFLR 3|0")).line, "200 Ok to delete...");
    assert.equal((await s.command("KFLR 3|1")).line, "200 Ok");
    assert.ok(!(await s.listing("LFLR")).lines.some((l) => l.startsWith("3|")));
    assert.equal((await s.command("KFLR 3|1")).code, 561, "not in use any more");
    assert.equal((await s.command("EFLR 9|x")).code, 561);
    assert.equal((await s.command("EFLR")).code, 512);
    assert.equal((await s.command("CFLR Basement|1")).line, "200 3", "the slot is free again");

    const c = await loginAs(address, carol);
    assert.equal(
      (await c.command("CRE8 1|Carols Room|0")).line,
      "550 You need higher access to create rooms.",
    );
    assert.equal((await c.command("CFLR Attic|1")).code, 550);
    await c.quit();
    await s.quit();
  });
});

Deno.test("rooms: single-user mode refuses CRE8 from a non-holder with 552, GOTO still works", async () => {
  await withFixtureServer(async (address, store) => {
    const holder = await loginAs(address, sysop);
    assert.match((await holder.command("SNGL 0|60")).line, /^200 single-user/);
    const other = await loginAs(address, sysop);
    assert.equal((await other.command("CRE8 1|Sneaky|0")).code, 552);
    assert.equal(await getRoom(store, "Sneaky"), null);
    assert.equal((await other.command("CFLR Sneaky|1")).code, 552);
    assert.equal((await other.command("GOTO Upstairs Lounge")).code, 200, "entering is a read");
    assert.equal((await other.command("SLRP HIGHEST")).code, 552);
    assert.equal((await holder.command("CRE8 1|Allowed|0")).code, 200);
    assert.equal((await holder.command("ESNG")).line, "200 multi-user");
    assert.equal((await other.command("CRE8 1|Sneaky|0")).code, 200);
    await other.quit();
    await holder.quit();
  });
});
