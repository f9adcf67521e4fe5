import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { fieldText, newMessage } from "../../src/message/message.ts";
import { getMessage, getMeta, postMessage } from "../../src/store/messages.ts";
import { createRoom, getRoom, mailboxName, roomMessages, View } from "../../src/store/rooms.ts";
import type { Store } from "../../src/store/store.ts";
import { getUser } from "../../src/store/users.ts";
import { CitadelClient, gotoRoom, loginAs, withFixtureServer } from "../_helpers.ts";

const { sysop, alice, bob } = FIXTURE_USERS;

/** A MSGS listing as numbers. */
async function msgs(c: CitadelClient, args: string): Promise<number[]> {
  const { reply, lines } = await c.listing(`MSGS ${args}`);
  assert.equal(reply.line, "100  ", "Citadel's MSGS header is 100 and two spaces");
  return lines.map(Number);
}

/** Posts with ENT0 1: 400, the lines, 000; the server must then send nothing. */
async function post(c: CitadelClient, args: string, body: string[]) {
  const r = await c.command(`ENT0 1|${args}`);
  assert.equal(r.code, 400, `ENT0 1|${args}: ${r.line}`);
  for (const line of body) await c.send(line);
  await c.send("000");
  assert.equal((await c.command("NOOP")).line, "200 ok", "nothing between 000 and NOOP's reply");
}

async function lobbyNumbers(store: Store) {
  return roomMessages(store, (await getRoom(store, "Lobby"))!.number);
}

Deno.test("messages: MSGS ALL, OLD, NEW (with US_LASTOLD), FIRST, LAST, GT, LT", async () => {
  await withFixtureServer(async (address, store) => {
    const all = await lobbyNumbers(store);
    assert.equal(all.length, 4);
    const [m1, m2, m3, m4] = all;
    // Alice has read all but the last Lobby message and has US_LASTOLD set.
    const a = await loginAs(address, alice);
    await gotoRoom(a, "Lobby");
    assert.deepEqual(await msgs(a, "ALL"), all);
    assert.deepEqual(await msgs(a, ""), all, "no argument is ALL");
    assert.deepEqual(await msgs(a, "OLD"), [m1, m2, m3]);
    assert.deepEqual(await msgs(a, "NEW"), [m3, m4], "US_LASTOLD adds the last old message");
    assert.deepEqual(await msgs(a, "NEW||0"), [m3, m4], "the text client's form");
    assert.deepEqual(await msgs(a, "FIRST|2"), [m1, m2]);
    assert.deepEqual(await msgs(a, "LAST|2"), [m3, m4]);
    assert.deepEqual(await msgs(a, "LAST|5|0"), all);
    assert.deepEqual(await msgs(a, `GT|${m2}`), [m3, m4]);
    assert.deepEqual(await msgs(a, `LT|${m3}`), [m1, m2]);
    assert.equal((await a.command("MSGS SEARCH|hello")).code, 530);
    await a.quit();
    // Bob never visited the Lobby and has no US_LASTOLD: everything is new.
    const b = await loginAs(address, bob);
    await gotoRoom(b, "Lobby");
    assert.deepEqual(await msgs(b, "NEW"), all);
    assert.deepEqual(await msgs(b, "OLD"), []);
    await b.quit();
  });
});

Deno.test("messages: MSGS modes 1 and 4, and the 800 template form", async () => {
  await withFixtureServer(
    async (address, store) => {
      const all = await lobbyNumbers(store);
      const c = await loginAs(address, bob);
      await gotoRoom(c, "Lobby");
      const { lines } = await c.listing("MSGS ALL|0|0|1");
      assert.equal(lines.length, 5);
      const first = (await getMessage(store, all[0]))!;
      assert.equal(
        lines[0],
        `${all[0]}|${fieldText(first, "T")}|SysOp|fixture|sysop@fixture.example.org|Welcome|`,
      );
      assert.match(lines[4], /\|Carol Problem\|fixture\|\|pipes - in - subject\|$/);

      // Template: 800, the client's field lines and 000, then a bare list and 000.
      const r = await c.command("MSGS ALL|0|1");
      assert.equal(r.line, "800 Send template then receive message list");
      await c.send("subj|HELLO ALL");
      await c.send("000");
      assert.deepEqual(await c.readListing(), [String(all[1])], "case-insensitive match");
      assert.equal((await c.command("NOOP")).line, "200 ok");

      await gotoRoom(c, "Contacts");
      const euids = (await c.listing("MSGS ALL|0|0|4")).lines.map((l) => l.split("|"));
      assert.deepEqual(euids.map((f) => f[1]), ["bob-uid", "alice-uid"]);
      assert.ok(euids.every((f) => f.length === 3 && Number(f[2]) > 1_700_000_000));
      await c.quit();
    },
    async (store) => {
      await postMessage(
        store,
        ["Lobby"],
        newMessage({
          fields: { T: "1700000100", A: "Carol Problem", N: "fixture", U: "pipes | in | subject" },
        }),
      );
    },
  );
});

Deno.test("messages: MSG0 of variformat, 000-line, vCard and >64 KiB messages; modes; wrong room", async () => {
  await withFixtureServer(async (address, store) => {
    const [m1, , m3, big] = await lobbyNumbers(store);
    const c = await loginAs(address, bob);
    await gotoRoom(c, "Lobby");
    const welcome = (await getMessage(store, m1))!;
    const { reply, lines } = await c.listing(`MSG0 ${m1}|0`);
    assert.equal(reply.line, "100 msg:");
    // rfca is not shown for a local node name (no dot), as in Citadel.
    assert.deepEqual(lines, [
      "type=0",
      `time=${fieldText(welcome, "T")}`,
      "from=SysOp",
      "room=Lobby",
      "node=fixture",
      "hnod=Fixture BBS",
      "subj=Welcome",
      "text",
      "Welcome to the fixture BBS.",
    ]);
    assert.deepEqual((await c.listing(`MSG0 ${m1}|1`)).lines, lines.slice(0, 7), "headers only");
    assert.deepEqual((await c.listing(`MSG0 ${m1}|3`)).lines, lines.slice(0, 7), "fast headers");
    assert.deepEqual((await c.listing(`MSG0 ${m1}|2`)).lines, lines.slice(7), "body only");
    assert.deepEqual((await c.listing(`MSG0 ${m1}`)).lines, lines, "mode defaults to 0");

    // A body line that is exactly 000 comes as "000 " and the listing goes on.
    const tricky = (await c.listing(`MSG0 ${m3}|0`)).lines;
    assert.deepEqual(tricky.slice(tricky.indexOf("text") + 1), [
      "Line one.",
      "000 ",
      "That line above is exactly 000 and must not end a listing.",
    ]);
    assert.equal((await c.command("NOOP")).line, "200 ok");

    const long = (await c.listing(`MSG0 ${big}|0`)).lines;
    const body = long.slice(long.indexOf("text") + 1);
    assert.equal(body.length, 1800);
    assert.equal(body[0], "Line 0 of a long message that spans many KV values.");
    assert.equal(body[1799], "Line 1799 of a long message that spans many KV values.");
    assert.ok(body.join("\n").length > 64 * 1024);

    const upstairs =
      (await roomMessages(store, (await getRoom(store, "Upstairs Lounge"))!.number))[0];
    assert.equal(
      (await c.command(`MSG0 ${upstairs}|0`)).line,
      `550 message ${upstairs} was not found in this room`,
    );
    assert.equal((await c.command("MSG0 999999")).code, 550);

    await gotoRoom(c, "Contacts");
    const [, aliceCard] = (await c.listing("MSGS ALL")).lines.map(Number);
    const card = (await c.listing(`MSG0 ${aliceCard}|0`)).lines;
    assert.equal(card[0], "type=4");
    assert.ok(card.includes("exti=alice-uid"));
    assert.match(
      card.find((l) => l.startsWith("part="))!,
      /^part=\|\|1\|\|text\/x-vcard\|\d+\|\|$/,
    );
    // MSG0 shows a vCard as its values, one per line (Citadel's vcard_fixed_output).
    assert.deepEqual(card.slice(card.indexOf("text") + 1), [
      "2.1",
      "alice-uid",
      "Alice Tester",
      "alice@fixture.example.org",
    ]);
    await c.quit();
  });
});

Deno.test("messages: MSG4 follows MSGP; variformat, fixed, vCard, 000 line and MSG2", async () => {
  await withFixtureServer(async (address, store) => {
    const [m1, , m3, big, fixed] = await lobbyNumbers(store);
    const c = await loginAs(address, alice);
    await gotoRoom(c, "Lobby");
    assert.equal((await c.command("MSGP dont_decode")).code, 200);
    assert.equal((await c.command("MSGP text/plain|text/html")).code, 200);
    const m = (await c.listing(`MSG4 ${m1}|0`)).lines;
    assert.ok(!m.some((l) => l.startsWith("type=")), "902 sends no type= line in MSG4");
    assert.deepEqual(m.slice(m.indexOf("text")), [
      "text",
      "Content-type: text/x-citadel-variformat",
      "",
      "Welcome to the fixture BBS.",
    ]);
    const tricky = (await c.listing(`MSG4 ${m3}`)).lines;
    assert.ok(tricky.includes("000 ") && tricky.at(-1)!.startsWith("That line above"));
    const long = (await c.listing(`MSG4 ${big}|0`)).lines;
    assert.equal(long.length - long.indexOf("") - 1, 1800);
    // Fixed format (1): MSG0 says type=1, MSG4 sends it as text/plain, spacing kept.
    assert.ok((await c.listing(`MSG0 ${fixed}`)).lines.includes("type=1"));
    const table = (await c.listing(`MSG4 ${fixed}|0`)).lines;
    assert.deepEqual(table.slice(table.indexOf("text")), [
      "text",
      "Content-type: text/plain",
      "",
      "col1    col2",
      "  x       y",
    ]);

    await gotoRoom(c, "Contacts");
    const [, card] = (await c.listing("MSGS ALL")).lines.map(Number);
    // Not a preferred type: a plain-text placeholder, as Citadel's fixed output writes it.
    const plain = (await c.listing(`MSG4 ${card}|0`)).lines;
    const stored = fieldText((await getMessage(store, card))!, "M")!;
    const vcard = stored.slice(stored.indexOf("\n\n") + 2);
    assert.deepEqual(plain.slice(plain.indexOf("text")), [
      "text",
      "Content-type: text/plain",
      "",
      `Part 1:  (text/x-vcard) (${vcard.length} bytes)`,
    ]);
    assert.equal((await c.command("MSGP text/x-vcard|text/plain")).code, 200);
    const chosen = (await c.listing(`MSG4 ${card}|0`)).lines;
    const head = chosen.indexOf("text");
    assert.deepEqual(chosen.slice(head + 1, head + 6), [
      "Content-type: text/x-vcard",
      `Content-length: ${vcard.length}`,
      "Content-transfer-encoding: 7bit",
      "X-Citadel-MSG4-Partnum: 1",
      "",
    ]);
    assert.equal(chosen.slice(head + 6).join("\n") + "\n", vcard);

    await gotoRoom(c, "Lobby");
    const rfc = (await c.listing(`MSG2 ${m1}|0`)).lines;
    assert.ok(rfc.includes("Subject: Welcome"));
    assert.ok(rfc.includes('From: "SysOp" <sysop@fixture.example.org>'));
    assert.ok(!rfc.some((l) => l.startsWith("Return-Path:")), "the fixture message has no path");
    assert.ok(rfc.some((l) => /^Date: \w{3}, \d\d \w{3} 2023 /.test(l)));
    assert.equal(rfc.at(-1), "Welcome to the fixture BBS.");
    await c.quit();
  }, async (store) => {
    await postMessage(
      store,
      ["Lobby"],
      newMessage({ format: 1, fields: { A: "Bob Builder", M: "col1    col2\n  x       y\n" } }),
    );
  });
});

Deno.test("messages: ENT0 posts into a room; the message reads back; confirm mode", async () => {
  await withFixtureServer(async (address, store) => {
    const c = await loginAs(address, bob);
    await gotoRoom(c, "Upstairs Lounge");
    assert.equal((await c.command("ENT0 0||0|0|||||||||")).line, "200 |0");
    assert.equal((await c.command("ENT0 1||0|0|x|SysOp")).code, 550, "posting as someone else");
    await post(c, "|0|0|Hello upstairs", ["First line.", "", " Last line."]);
    const nums = await msgs(c, "ALL");
    assert.equal(nums.length, 2);
    const n = nums[1];
    const msg = (await getMessage(store, n))!;
    assert.equal(fieldText(msg, "A"), "Bob Builder");
    assert.equal(fieldText(msg, "P"), "Bob_Builder");
    assert.equal(fieldText(msg, "F"), "bob@fixture.example.org");
    assert.equal(fieldText(msg, "O"), "Upstairs Lounge");
    assert.equal(fieldText(msg, "N"), "fixture");
    assert.equal(fieldText(msg, "H"), "Fixture BBS");
    assert.equal(fieldText(msg, "U"), "Hello upstairs");
    assert.equal(fieldText(msg, "M"), "First line.\n\n Last line.\n");
    const id = `-${n.toString(16).toUpperCase().padStart(8, "0")}@fixture.example.org`;
    assert.ok(fieldText(msg, "I")!.endsWith(id), fieldText(msg, "I"));
    assert.equal((await getUser(store, bob.name))!.posted, 1, "the poster's counter went up");
    const shown = (await c.listing(`MSG4 ${n}|0`)).lines;
    assert.ok(shown.includes("from=Bob Builder") && shown.includes("subj=Hello upstairs"));
    assert.deepEqual(shown.slice(-3), ["First line.", "", " Last line."]);

    // Confirmation (800): after the 000 the server sends msgnum, status, EUID and 000.
    assert.equal((await c.command("ENT0 1||0|0|Sure?||1")).line, "800 send message");
    await c.send("Confirmed.");
    await c.send("000");
    const [num, status, euid] = await c.readListing();
    assert.equal(status, "Message accepted.");
    assert.equal(euid, "");
    assert.deepEqual(await msgs(c, `GT|${n}`), [Number(num)]);
    assert.equal((await c.command("ENT0 1||0|7|bad format")).code, 512);
    await c.quit();
  });
});

Deno.test("messages: ENT0 mail goes to the recipient's Mail and the sender's Sent Items", async () => {
  await withFixtureServer(
    async (address, store) => {
      const b = await loginAs(address, bob);
      await gotoRoom(b, "_MAIL_");
      assert.equal(
        (await b.command("ENT0 0||0|0")).line,
        "570 At least one recipient is required.",
      );
      assert.equal((await b.command("ENT0 0|Nobody Here|0|0")).code, 570);
      assert.equal((await b.command("ENT0 0|alice tester|0|0")).line, "200 Alice Tester|0");
      await post(b, "Alice Tester|0|0|Lunch?", ["Lunch at noon?"]);
      await post(b, "Carol Problem|0|0|Hi Carol", ["Welcome."]);
      await b.quit();

      const aliceUser = (await getUser(store, alice.name))!;
      const bobUser = (await getUser(store, bob.name))!;
      const inbox = (await getRoom(store, mailboxName(aliceUser.usernum, "Mail")))!;
      const sent = (await getRoom(store, mailboxName(bobUser.usernum, "Sent Items")))!;
      const n = (await roomMessages(store, inbox.number)).at(-1)!;
      assert.deepEqual(await roomMessages(store, sent.number), [n, n + 1]);
      assert.equal((await getMeta(store, n))!.refcount, 2, "one message, two rooms");
      const msg = (await getMessage(store, n))!;
      assert.equal(fieldText(msg, "R"), "Alice Tester");
      assert.equal(fieldText(msg, "O"), sent.name, "saved first in the sender's Sent Items");
      const carol = (await getUser(store, "Carol Problem"))!;
      const carolMail = await getRoom(store, mailboxName(carol.usernum, "Mail"));
      assert.ok(carolMail, "a recipient without a Mail room gets one");
      assert.deepEqual(await roomMessages(store, carolMail.number), [n + 1]);

      const a = await loginAs(address, alice);
      await gotoRoom(a, "_MAIL_");
      assert.ok((await msgs(a, "ALL")).includes(n));
      const shown = (await a.listing(`MSG4 ${n}|0`)).lines;
      assert.ok(shown.includes("rcpt=Alice Tester") && shown.includes("Lunch at noon?"));
      await a.quit();
    },
    async (store) => {
      const bobUser = (await getUser(store, bob.name))!;
      await createRoom(store, {
        name: mailboxName(bobUser.usernum, "Sent Items"),
        flags: 2 | 16384,
        defaultview: View.MAILBOX,
      });
    },
  );
});

Deno.test("messages: EUID replacement through ENT0 in a notes room and an address book", async () => {
  await withFixtureServer(
    async (address) => {
      const c = await loginAs(address, sysop);
      await gotoRoom(c, "Team Notes");
      await post(c, "|0|1|Note||0|||note-1", ["First version."]);
      const first = Number((await c.command("EUID note-1")).text);
      assert.ok(first > 0);
      await post(c, "|0|1|Note||0|||note-1", ["Second version."]);
      const second = Number((await c.command("EUID note-1")).text);
      assert.ok(second > first);
      assert.deepEqual(await msgs(c, "ALL"), [second], "the old version left the room");
      assert.equal((await c.command(`MSG0 ${first}`)).code, 550);
      assert.equal((await c.command("EUID no-such-note")).line, "575 not found");

      // In an address book the EUID is the vCard's UID, the subject its FN.
      await gotoRoom(c, "Contacts");
      const old = Number((await c.command("EUID bob-uid")).text);
      await post(c, "|0|4", [
        "Content-type: text/x-vcard",
        "",
        "begin:vcard",
        "version:2.1",
        "uid:bob-uid",
        "fn:Robert Builder",
        "end:vcard",
      ]);
      const fresh = Number((await c.command("EUID bob-uid")).text);
      assert.ok(fresh > old);
      assert.equal((await c.command(`MSG0 ${old}`)).code, 550);
      const card = (await c.listing(`MSG0 ${fresh}|1`)).lines;
      assert.ok(card.includes("exti=bob-uid") && card.includes("subj=Robert Builder"));
      await c.quit();
    },
    async (store) => {
      await createRoom(store, { name: "Team Notes", defaultview: View.NOTES });
    },
  );
});

Deno.test("messages: DELE needs an Aide (or own mailbox); counts; 575 when absent", async () => {
  await withFixtureServer(async (address, store) => {
    const [m1, m2] = await lobbyNumbers(store);
    const a = await loginAs(address, alice);
    await gotoRoom(a, "Lobby");
    assert.equal((await a.command(`DELE ${m1}`)).line, "550 Higher access required.");
    await a.quit();
    const s = await loginAs(address, sysop);
    await gotoRoom(s, "Lobby");
    assert.equal((await s.command("DELE")).line, "575 Message not found.");
    assert.equal((await s.command(`DELE ${m1},${m2}`)).line, "200 2 messages deleted.");
    assert.equal((await s.command(`DELE ${m1}`)).line, "575 Message not found.");
    assert.equal((await lobbyNumbers(store)).length, 2);
    assert.equal(await getMessage(store, m1), null, "the last reference went: message gone");
    await s.quit();
  });
});

Deno.test("messages: single-user mode refuses ENT0 from a non-holder before 400", async () => {
  await withFixtureServer(async (address, store) => {
    const holder = await loginAs(address, sysop);
    assert.equal((await holder.command("SNGL 0|60")).code, 200);
    // The holder's user may log in again; that second session is not the holder.
    const other = await loginAs(address, sysop);
    await gotoRoom(other, "Lobby");
    const before = (await lobbyNumbers(store)).length;
    const r = await other.command("ENT0 1||0|0|refused");
    assert.equal(r.code, 552, r.line);
    // The refusal is the whole answer: the next reply is NOOP's.
    assert.equal((await other.command("NOOP")).line, "200 ok");
    assert.equal((await lobbyNumbers(store)).length, before);
    await gotoRoom(holder, "Lobby");
    await post(holder, "|0|0|allowed", ["The holder may write."]);
    assert.equal((await lobbyNumbers(store)).length, before + 1);
    assert.equal((await holder.command("ESNG")).code, 200);
    other.close();
    await holder.quit();
  });
});
