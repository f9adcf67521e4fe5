/**
 * `ctdlsync mirror` end to end against a real `serve` on loopback, read and changed with
 * Debian's real programs: khal (calendar), khard (contacts), mblaze (Maildir).
 */
import assert from "node:assert/strict";
import { fieldText } from "../../src/message/message.ts";
import { getMessage } from "../../src/store/messages.ts";
import { getRoom, getVisit, roomMessages } from "../../src/store/rooms.ts";
import { isSeen, parseSeen } from "../../src/store/seen_set.ts";
import type { Store } from "../../src/store/store.ts";
import { TABLES } from "../../src/store/tables.ts";
import { getUser } from "../../src/store/users.ts";
import { gotoRoom, loginAs, withFixtureServer } from "../_helpers.ts";
import {
  alice,
  bob,
  mailRoomOf,
  mirror,
  mirrorDir,
  movedAnything,
  pimConfigs,
  program,
  programsTest,
  sharedRooms,
  sysop,
  treeFiles,
} from "./_mirror.ts";

async function count(store: Store, room: string): Promise<number> {
  return (await roomMessages(store, (await getRoom(store, room))!.number)).length;
}

async function heldBy(store: Store, room: string, euid: string): Promise<string | null> {
  const r = (await getRoom(store, room))!;
  const held = await store.get("euidindex", [r.number, euid]);
  if (!held) return null;
  const msg = await getMessage(store, TABLES.euidindex.codec.decode(held));
  return msg ? fieldText(msg, "M") ?? "" : null;
}

programsTest(
  "mirror: khal, khard and mblaze read the tree; local changes reach the server and bob",
  async (address, store) => {
    const a = await mirrorDir(alice);
    const b = await mirrorDir(bob);
    try {
      const first = await mirror(address, alice, a);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      assert.match(first.stdout, /in step as of stamp \d+/);

      // The real programs read what the server holds; counts equal the server's.
      const { khal, khard } = await pimConfigs(a.top, a.to);
      const events = await program("khal", "-c", khal, "list", "2023-11-15", "2d");
      assert.match(events, /18:00-19:00 Board meeting/);
      const people = await program("khard", "-c", khard, "list");
      assert.match(people, /Alice Tester/);
      assert.match(people, /Bob Builder/);
      const mail = await program("mlist", `${a.to}/Mail`);
      assert.equal(
        mail.trim().split("\n").length,
        await count(store, await mailRoomOf(store, alice.name)),
      );
      const shown = await program("mshow", mail.trim().split("\n")[0]);
      assert.match(shown, /Subject: Private note/);
      assert.match(shown, /Just for you, Alice\./);
      const lobby = (await program("mlist", `${a.to}/Lobby`)).trim().split("\n");
      assert.equal(lobby.length, await count(store, "Lobby"));
      const files = await treeFiles(a.to);
      assert.equal(
        files.filter((f) => f.startsWith("Calendar/")).length,
        await count(store, "Calendar"),
      );
      assert.equal(
        files.filter((f) => f.startsWith("Contacts/")).length,
        await count(store, "Contacts"),
      );

      // A new event with khal, a contact edited in a text editor: both go up by EUID.
      await program("khal", "-c", khal, "new", "2026-12-10", "10:00", "11:00", "Mirror planning");
      const created = (await treeFiles(`${a.to}/Calendar`)).find((f) =>
        f !== "meeting-1@fixture.ics"
      )!;
      const uid = /^UID:(.*)$/m.exec(await Deno.readTextFile(`${a.to}/Calendar/${created}`))![1]
        .trim();
      const vcf = `${a.to}/Contacts/alice-uid.vcf`;
      await Deno.writeTextFile(
        vcf,
        (await Deno.readTextFile(vcf)).replace(
          "alice@fixture.example.org",
          "alice@new.example.org",
        ),
      );
      const contactsBefore = await count(store, "Contacts");
      const up = await mirror(address, alice, a);
      assert.equal(up.code, 0, up.stderr + up.stdout);
      assert.match(up.stdout, /Calendar +calendar +2 +\+0 ~0 -0 s0 +\+1 ~0 -0 s0/);
      assert.match(up.stdout, /Contacts +contacts +2 +\+0 ~0 -0 s0 +\+0 ~1 -0 s0/);
      assert.match((await heldBy(store, "Calendar", uid))!, /SUMMARY:Mirror planning/);
      assert.match((await heldBy(store, "Contacts", "alice-uid"))!, /alice@new\.example\.org/);
      assert.equal(await count(store, "Contacts"), contactsBefore, "replaced by EUID, not added");

      // Bob's mirror of the shared rooms sees both.
      assert.equal((await mirror(address, bob, b)).code, 0);
      assert.match(await Deno.readTextFile(`${b.to}/Calendar/${created}`), /Mirror planning/);
      assert.match(
        await Deno.readTextFile(`${b.to}/Contacts/alice-uid.vcf`),
        /alice@new\.example\.org/,
      );

      // A no-change rerun moves nothing.
      const again = await mirror(address, alice, a);
      assert.equal(again.code, 0);
      assert.equal(movedAnything(again.stdout), false, again.stdout);

      // Deleting them locally deletes them on the server; bob's next run removes them.
      await Deno.remove(`${a.to}/Calendar/${created}`);
      await Deno.remove(vcf);
      const del = await mirror(address, alice, a);
      assert.equal(del.code, 0, del.stderr + del.stdout);
      assert.equal(await heldBy(store, "Calendar", uid), null);
      assert.equal(await heldBy(store, "Contacts", "alice-uid"), null);
      assert.equal((await mirror(address, bob, b)).code, 0);
      const bobFiles = await treeFiles(b.to);
      assert.ok(
        !bobFiles.includes(`Calendar/${created}`) && !bobFiles.includes("Contacts/alice-uid.vcf"),
      );
    } finally {
      await Deno.remove(a.top, { recursive: true });
      await Deno.remove(b.top, { recursive: true });
    }
  },
  sharedRooms,
);

programsTest(
  "mirror: S flags set the seen set, conflicts are kept, unparsable files never sent, --delete-mail",
  async (address, store) => {
    const a = await mirrorDir(alice);
    try {
      assert.equal((await mirror(address, alice, a)).code, 0);
      // Seen locally (mblaze: minc, then mflag -S) becomes seen on the server.
      await program("minc", `${a.to}/Mail`);
      const mailRoom = await mailRoomOf(store, alice.name);
      const [msg] = (await program("mlist", `${a.to}/Mail`)).trim().split("\n");
      await program("mflag", "-S", msg);
      const msgnum = (await roomMessages(store, (await getRoom(store, mailRoom))!.number))[0];
      const seen = async () => {
        const room = (await getRoom(store, mailRoom))!;
        const visit = await getVisit(store, room, (await getUser(store, alice.name))!.usernum);
        return isSeen(parseSeen(visit.seen), msgnum);
      };
      assert.equal(await seen(), false);

      // Both sides change the event: the server's version wins, the local one is kept.
      const ics = `${a.to}/Calendar/meeting-1@fixture.ics`;
      await Deno.writeTextFile(
        ics,
        (await Deno.readTextFile(ics)).replace("Board meeting", "Local title"),
      );
      const aide = await loginAs(address, sysop);
      await gotoRoom(aide, "Calendar");
      assert.equal((await aide.command("ENT0 1||0|4")).code, 400);
      for (
        const l of [
          "Content-type: text/calendar",
          "",
          "BEGIN:VCALENDAR",
          "VERSION:2.0",
          "BEGIN:VEVENT",
          "UID:meeting-1@fixture",
          "SUMMARY:Server title",
          "DTSTART:20231115T180000Z",
          "END:VEVENT",
          "END:VCALENDAR",
          "000",
        ]
      ) await aide.send(l);
      await aide.quit();

      // A broken file is named and never sent.
      await Deno.writeTextFile(`${a.to}/Contacts/broken.vcf`, "BEGIN:VCARD\nFN:No end\n");
      const before = await count(store, "Contacts");

      const run = await mirror(address, alice, a);
      assert.equal(run.code, 1, "an unsendable file is an error: " + run.stdout);
      assert.equal(await seen(), true);
      assert.match(run.stdout, /Mail +mail +1 +\+0 ~0 -0 s0 +\+0 ~0 -0 s1/);
      assert.match(
        run.stdout,
        /conflicts:\n {2}Calendar\/meeting-1@fixture\.ics: changed on both sides/,
      );
      assert.match(
        run.stdout,
        /Contacts\/broken\.vcf: cannot be parsed \(BEGIN:VCARD is never ended\); not sent/,
      );
      assert.match(run.stdout, /mirrored with 1 errors/);
      assert.equal(await count(store, "Contacts"), before);
      const cal = await treeFiles(`${a.to}/Calendar`);
      const kept = cal.find((f) => /^meeting-1@fixture\.conflict-\d{8}T\d{6}Z\.ics$/.test(f))!;
      assert.ok(kept, cal.join(", "));
      assert.match(await Deno.readTextFile(`${a.to}/Calendar/${kept}`), /Local title/);
      assert.match(await Deno.readTextFile(ics), /Server title/);
      assert.match((await heldBy(store, "Calendar", "meeting-1@fixture"))!, /Server title/);

      // Unseen on the server comes down as the S flag going away.
      const c = await loginAs(address, alice);
      await gotoRoom(c, "_MAIL_");
      assert.equal((await c.command(`SEEN ${msgnum}|0`)).code, 200);
      await c.quit();
      await Deno.remove(`${a.to}/Contacts/broken.vcf`);
      const down = await mirror(address, alice, a);
      assert.equal(down.code, 0, down.stdout);
      assert.deepEqual(await treeFiles(`${a.to}/Mail`), [`cur/${msgnum}.ctdlsync:2,`]);

      // Mail deleted locally stays on the server, unless --delete-mail says otherwise.
      await Deno.remove(`${a.to}/Mail/cur/${msgnum}.ctdlsync:2,`);
      const keptRun = await mirror(address, alice, a);
      assert.match(keptRun.stdout, /Mail +mail +0 +\+0 ~0 -0 s0 +\+0 ~0 -0 s0 +1 /);
      assert.equal(await count(store, mailRoom), 1);
      assert.equal(movedAnything((await mirror(address, alice, a)).stdout), false);
      const gone = await mirror(address, alice, a, "--delete-mail");
      assert.equal(gone.code, 0, gone.stdout);
      assert.match(gone.stdout, /Mail +mail +0 +\+0 ~0 -0 s0 +\+0 ~0 -1 s0/);
      assert.equal(await count(store, mailRoom), 0);
    } finally {
      await Deno.remove(a.top, { recursive: true });
    }
  },
  sharedRooms,
);

Deno.test({
  name: "mirror: refused rooms reach nothing of the tree; --dry-run writes nothing; --help",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withFixtureServer(async (address, store) => {
      const b = await mirrorDir(bob);
      try {
        const others = ["Hidden Den", "Vault", "Inner Circle", await mailRoomOf(store, alice.name)];
        const r = await mirror(address, bob, b, "--rooms", ["Lobby", ...others].join(","));
        assert.equal(r.code, 1);
        for (const room of others) {
          assert.match(r.stdout, new RegExp(`  ${room}: 5\\d\\d `), r.stdout);
        }
        assert.deepEqual((await treeFiles(b.to)).filter((f) => !f.startsWith("Lobby/")), [
          ".ctdlsync-state",
        ]);
        const state = JSON.parse(await Deno.readTextFile(`${b.to}/.ctdlsync-state`));
        assert.deepEqual(Object.keys(state.rooms), ["Lobby"]);

        const dry = await mirrorDir(bob);
        const d = await mirror(address, bob, dry, "--dry-run");
        assert.equal(d.code, 0, d.stderr);
        assert.match(
          d.stdout,
          /would change \(nothing written\):\n {2}Mail: add \d+\n[\s\S]* {2}Lobby: add \d+/,
        );
        assert.match(d.stdout, /^dry run: nothing written/m);
        assert.equal(await Deno.stat(dry.to).then(() => true, () => false), false);
        await Deno.remove(dry.top, { recursive: true });

        const help = await mirror(address, bob, b, "--help");
        assert.equal(help.code, 0);
        assert.match(help.stdout, /usage: ctdlsync mirror/);
        await Deno.writeTextFile(`${b.top}/wrong`, "not-the-password\n");
        const refusedLogin = await mirror(address, bob, { ...b, pw: `${b.top}/wrong` });
        assert.equal(refusedLogin.code, 2, refusedLogin.stderr);
        assert.equal(refusedLogin.stderr.trim().split("\n").length, 1, refusedLogin.stderr);
        const bad = await mirror(address, bob, b, "--follow", "--interval", "x");
        assert.equal(bad.code, 2);
        assert.equal(
          bad.stderr.split("\n")[0],
          "ctdlsync: --interval takes a whole number",
        );
      } finally {
        await Deno.remove(b.top, { recursive: true });
      }
    });
  },
});
