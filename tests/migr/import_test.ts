import assert from "node:assert/strict";
import { decodeBase64Lenient } from "../../src/message/base64.ts";
import { fieldText, parseMessage } from "../../src/message/message.ts";
import { fileText, importMigr, importMigrFile } from "../../src/app/migr_import.ts";
import { importSummary } from "../../src/app/import_report.ts";
import { MigrFormatError, type MigrRecord, readMigrRecords } from "../../src/migr/xml_reader.ts";
import { readConfig, readCounter } from "../../src/store/control.ts";
import { getMeta } from "../../src/store/messages.ts";
import { getFloor, getRoom, getVisit, roomMessages } from "../../src/store/rooms.ts";
import { TABLES } from "../../src/store/tables.ts";
import { checkPassword, getUser, getUserByNumber } from "../../src/store/users.ts";
import { digestsOfDir, runCli, tempStore } from "../_helpers.ts";
import {
  EXPORT,
  exportedMessageText,
  exportedMsglist,
  importReal,
  MANIFEST,
  manifest,
} from "./_real.ts";

const real = { ignore: !EXPORT || !MANIFEST };

async function* chunks(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function collect(source: AsyncIterable<string>): Promise<MigrRecord[]> {
  const out: MigrRecord[] = [];
  for await (const r of readMigrRecords(source)) out.push(r);
  return out;
}

/** A temporary directory with a store holding the real import, and a file path beside it. */
async function realTarget() {
  const root = await Deno.makeTempDir({ prefix: "ctdlsync-migr-" });
  const data = `${root}/data`;
  await importMigrFile(EXPORT!, data);
  return { root, data, cleanup: () => Deno.remove(root, { recursive: true }) };
}

Deno.test({
  name: "import: the real 902 export gives the manifest's count in every table",
  ...real,
  async fn() {
    const t = await tempStore();
    try {
      const report = await importReal(t.store);
      const xml = manifest().harvest.migr_export.xml;
      const c = xml.element_counts;
      const stat = async (table: keyof typeof TABLES) => (await t.store.stats(table)).count;
      assert.equal((await stat("config")) + (await stat("control")), c.config);
      assert.equal(await stat("control"), 3); // MMhighest, MMnextroom, MMnextuser
      assert.equal(await stat("users"), c.user);
      assert.equal(await stat("rooms"), c.room);
      assert.equal(await stat("floors"), c.floor);
      assert.equal(await stat("visits"), c.visit);
      assert.equal(await stat("messages"), c.message);
      assert.equal(await stat("msgmeta"), c.message);
      assert.equal(await stat("msglists"), xml.room_message_pointers);
      // SYS_Citadel and the blank user share number 0: one index entry, SYS_Citadel's.
      assert.equal(await stat("usersbynumber"), c.user - 1);
      assert.deepEqual(report.unknown, {});
      assert.deepEqual(report.warnings, []);
      assert.equal(report.version, "902");
      assert.equal(report.passwordsHashed, 9);
      assert.equal(report.elements["floors in use"], 3, "floor 0 (flags 3), 1 and 2");
      assert.deepEqual(await t.store.verify().then((s) => s.length), 16);
    } finally {
      await t.cleanup();
    }
  },
});

Deno.test({
  name: "import: users keep access level, flags and numbers; original passwords log in",
  ...real,
  async fn() {
    const t = await tempStore();
    try {
      await importReal(t.store);
      const m = manifest();
      for (const want of m.users) {
        const u = (await getUser(t.store, want.name))!;
        assert.equal(u.fullname, want.name);
        assert.equal(u.axlevel, want.axlevel, want.name);
        assert.equal(u.flags, want.flags, want.name);
        assert.equal(u.usernum, want.usernum, want.name);
        assert.equal(u.uid, -1, "4294967295 is (uid_t)-1");
        assert.match(u.password, /^pbkdf2-sha256\$/);
        assert.equal(await checkPassword(u.password, want.password), true, want.name);
        assert.equal(await checkPassword(u.password, want.password + "x"), false);
      }
      const admin = (await getUser(t.store, "admin"))!;
      assert.equal(admin.axlevel, 6);
      assert.equal(await checkPassword(admin.password, m.admin.password), true);
      const vera = (await getUser(t.store, "Vera Petrov"))!;
      assert.equal(vera.purgedays, 180);
      assert.equal(vera.posted, 19);
      const dana = (await getUser(t.store, "Dana O'Brien"))!; // &apos; decoded
      assert.equal(dana.fullname, "Dana O'Brien");
      assert.equal((await getUserByNumber(t.store, 0))!.fullname, "SYS_Citadel");
      assert.equal((await getUserByNumber(t.store, 9))!.fullname, "admin");
      const blank = (await t.store.getDecoded<{ usernum: number; uid: number }>("users", [""]))!;
      assert.equal(blank.uid, 0);
      // The directory comes from each user's personal vCard in the local domain.
      const dir = await t.store.get("directory", ["dana_o'brien@fixturebbs.example.org"]);
      assert.equal(new TextDecoder().decode(dir!), "Dana O'Brien");
    } finally {
      await t.cleanup();
    }
  },
});

Deno.test({
  name: "import: rooms, floors, config and control records map field by field",
  ...real,
  async fn() {
    const t = await tempStore();
    try {
      await importReal(t.store);
      const lib = (await getRoom(t.store, "File Library"))!;
      assert.equal(lib.flags, 482);
      assert.equal(lib.floor, 1);
      assert.equal(lib.dirname, "library");
      const lounge = (await getRoom(t.store, "Sysop Lounge"))!;
      assert.equal(lounge.password, "letmein");
      assert.equal(lounge.flags, 14);
      assert.equal(lounge.dirname, "", "QRdirname is absent for other rooms");
      const club = (await getRoom(t.store, "Book Club"))!;
      assert.equal(club.floor, 2);
      assert.equal(club.flags, 6);
      assert.ok(club.msgnum_info > 0, "the banner pointer survives (902's own importer drops it)");
      const mail = (await getRoom(t.store, "0000000009.Mail"))!;
      assert.equal(mail.flags, 16390);
      assert.equal(mail.defaultview, 1);
      assert.equal(mail.roomaide, -1);
      assert.deepEqual(await roomMessages(t.store, mail.number), [95, 133]);
      const science = (await getRoom(t.store, "Science"))!;
      assert.deepEqual(await roomMessages(t.store, science.number), exportedMsglist("Science"));

      const main = (await getFloor(t.store, 0))!;
      assert.equal(main.flags, 3, "902's stray QR_INUSE bit is kept as is");
      assert.equal(main.name, "Main Floor");
      assert.equal((await getFloor(t.store, 2))!.name, "Arts & Letters");
      assert.equal((await getFloor(t.store, 5))!.flags & 1, 0);

      assert.equal(await readConfig(t.store, "c_moreprompt"), "<more>");
      assert.equal(await readConfig(t.store, "c_nodename"), "fixturebbs");
      assert.equal(await readConfig(t.store, "MMfulltext"), "4", "other MM* keys stay config");
      assert.equal(await readCounter(t.store, "MMhighest"), 203);
      assert.equal(await readCounter(t.store, "MMnextuser"), 17);
      assert.equal(await readCounter(t.store, "MMnextroom"), 98);
    } finally {
      await t.cleanup();
    }
  },
});

Deno.test({
  name: "import: messages byte for byte, refcounts from the room lists, visits, EUID index",
  ...real,
  async fn() {
    const t = await tempStore();
    try {
      await importReal(t.store);
      const bytes = (await t.store.get("messages", [52]))!;
      assert.deepEqual(bytes, decodeBase64Lenient(exportedMessageText(52)));
      const msg = parseMessage(bytes);
      assert.equal(msg.format, 1);
      assert.equal(fieldText(msg, "A"), "Dana O'Brien");
      assert.equal(fieldText(msg, "O"), "Book Club");
      assert.equal(fieldText(msg, "U"), "Re-reading: The Public is merely a multiplied");
      // A big, multi-line base64 text whose last line splits a 4-character group.
      assert.match(exportedMessageText(1), /\r\nA=$/);
      assert.equal(
        fieldText(parseMessage((await t.store.get("messages", [1]))!), "U"),
        "User Purge Message",
      );

      // 902 exported msg_meta_refcount 0 for message 67; it is in Announcements and Lobby.
      assert.equal((await getMeta(t.store, 67))!.refcount, 2);
      assert.equal((await getMeta(t.store, 52))!.refcount, 1);
      assert.equal((await getMeta(t.store, 51))!.content_type, "text/plain");
      assert.equal((await getMeta(t.store, 1))!.rfc822_length, 216);

      const confessions = (await getRoom(t.store, "Confessions"))!;
      const laura = await getVisit(t.store, confessions, 10);
      assert.equal(laura.seen, "73,142,194");
      assert.equal(laura.flags, 4);
      const lib = (await getRoom(t.store, "File Library"))!;
      assert.equal((await getVisit(t.store, lib, 12)).seen, "138:139,163");
      const computers = (await getRoom(t.store, "Computers"))!;
      assert.equal((await getVisit(t.store, computers, 17)).flags & 1, 1, "Kofi zapped Computers");

      // The replaced vCard: the index points at the newer message.
      const book = (await getRoom(t.store, "Address Book"))!;
      const held = await t.store.get("euidindex", [book.number, "fixture-vcard-1-0110"]);
      assert.equal(TABLES.euidindex.codec.decode(held!), 159);
      const cal = (await getRoom(t.store, "Events Calendar"))!;
      const ev = await t.store.get("euidindex", [cal.number, "fixture-event-1-0026@fixturebbs"]);
      assert.equal(TABLES.euidindex.codec.decode(ev!), 74);
    } finally {
      await t.cleanup();
    }
  },
});

Deno.test({
  name: "import: a truncated export fails with one line naming where, target unchanged",
  ...real,
  async fn() {
    const t = await realTarget();
    try {
      const before = await digestsOfDir(t.data);
      const xml = await Deno.readTextFile(EXPORT!);
      const cut = `${t.root}/cut.xml`;
      // Cut inside a message, and once more right before the closing root tag.
      for (const text of [xml.slice(0, 150_000), xml.slice(0, xml.indexOf("</citadel_migrate"))]) {
        await Deno.writeTextFile(cut, text);
        const err = await importMigrFile(cut, t.data).then(() => null, (e) => e);
        assert.ok(err instanceof MigrFormatError, String(err));
        assert.match(err.message, /^line \d+, <[a-z_]+>: the export ends inside .* truncated$/);
        assert.ok(!err.message.includes("\n"));
        assert.ok(err.line > 4000);
      }
      assert.deepEqual(await digestsOfDir(t.data), before);
      // No staging directory is left behind.
      const names = [...Deno.readDirSync(t.root)].map((e) => e.name).sort();
      assert.deepEqual(names, ["cut.xml", "data"]);
    } finally {
      await t.cleanup();
    }
  },
});

Deno.test({
  name: "import: malformed exports fail naming line and element, target unchanged",
  ...real,
  async fn() {
    const t = await realTarget();
    try {
      const before = await digestsOfDir(t.data);
      const xml = await Deno.readTextFile(EXPORT!);
      const bad = `${t.root}/bad.xml`;
      const cases: [string, RegExp][] = [
        [xml.replace("</u_flags>", "</u_flag>"), /^line 56, <u_flag>: <\/u_flag> closes <u_flags>/],
        [
          xml.replace("<u_axlevel>6</u_axlevel>", "<u_axlevel>six</u_axlevel>"),
          /<u_axlevel>: "six" is not a whole number/,
        ],
        [
          xml.replace("/0EASTZCMDI2N0VG", "/0E!STZCMDI2N0VG"),
          /^line 3753, <msg_text>: invalid base64 character '!'/,
        ],
        [
          xml.replace("Arts &amp; Letters", "Arts & Letters"),
          /<f_name>: '&' not part of an entity/,
        ],
        [xml.replace("<room>", "<room>\n<QRname>"), /closes <QRname>/],
        ["<html><body>hello</body></html>", /^line 1, <html>: not a MIGR export/],
        ["", /no <citadel_migrate_data> element/],
      ];
      for (const [text, want] of cases) {
        await Deno.writeTextFile(bad, text);
        const err = await importMigrFile(bad, t.data).then(() => null, (e) => e);
        assert.ok(err instanceof MigrFormatError, `${want}: ${err}`);
        assert.match(err.message, want);
      }
      // A message whose base64 decodes to something that is not a Citadel message.
      await Deno.writeTextFile(
        bad,
        xml.replace(exportedMessageText(1), "aGVsbG8K"),
      );
      const err = await importMigrFile(bad, t.data).then(() => null, (e) => e);
      assert.match(String(err), /<msg_text>: message 1 is not a Citadel message: byte 0/);
      assert.deepEqual(await digestsOfDir(t.data), before);
    } finally {
      await t.cleanup();
    }
  },
});

Deno.test("import: unknown elements, fields and attributes are counted and reported", async () => {
  const doc = `<?xml version="1.0" encoding="UTF-8" ?>
<citadel_migrate_data>
<version>980</version>
<config key="c_nodename" lang="en">node &#38; &#x3C;co&gt;</config>
<openid><oid_url>https://x</oid_url><oid_usernum>3</oid_usernum></openid>
<openid><oid_url>https://y</oid_url><oid_usernum>4</oid_usernum></openid>
<user>
<u_usernum>3</u_usernum>
<u_fullname>Zed</u_fullname>
<u_password>zzz</u_password>
<u_emailaddrs>zed@example.org|z@example.org</u_emailaddrs>
<u_msgnum_inboxrules>0</u_msgnum_inboxrules>
</user>
<!-- a comment -->
<room><QRname>Lobby</QRname><QRnumber>1</QRnumber><QRfoo><bar>1</bar></QRfoo></room>
<room_messages><FRname>Nowhere</FRname><FRmsglist>1,2,3</FRmsglist></room_messages>
</citadel_migrate_data>
junk after the root is ignored <progress>100</progress>`;
  const t = await tempStore();
  try {
    const report = await importMigr(t.store, chunks(doc, 7));
    assert.deepEqual(report.unknown, {
      "config@lang": 1,
      "<openid>": 2,
      "user.u_msgnum_inboxrules": 1,
      "room.QRfoo": 1,
      "room.QRfoo/bar": 1,
    });
    assert.equal(report.version, "980");
    assert.equal(await readConfig(t.store, "c_nodename"), "node & <co>");
    const zed = (await getUser(t.store, "Zed"))!;
    assert.equal(zed.emailaddrs, "zed@example.org|z@example.org");
    assert.equal(await checkPassword(zed.password, "ZZZ"), true, "Citadel ignores case");
    const dir = await t.store.get("directory", ["z@example.org"]);
    assert.equal(new TextDecoder().decode(dir!), "Zed");
    assert.equal(report.warnings.length, 1);
    assert.match(report.warnings[0], /room "Nowhere".*3 message pointers not imported/);
    const text = importSummary(report);
    assert.match(text, /<openid> {2}x2/);
    assert.match(text, /user\.u_msgnum_inboxrules {2}x1/);
    assert.match(text, /warnings:\n {2}line \d+: message list of room "Nowhere"/);
  } finally {
    await t.cleanup();
  }
});

Deno.test({
  name: "xml reader: any chunking of the real export gives the same records",
  ...real,
  async fn() {
    const xml = await Deno.readTextFile(EXPORT!);
    const whole = await collect(chunks(xml, xml.length));
    assert.equal(whole.filter((r) => r.name === "message").length, 201);
    assert.equal(
      whole.filter((r) => r.name === "progress").length,
      82,
      "the 83rd follows the root",
    );
    for (const size of [1, 5, 4096]) assert.deepEqual(await collect(chunks(xml, size)), whole);
    // The file read through fileText (TextDecoderStream chunks) agrees too.
    assert.deepEqual(await collect(fileText(EXPORT!)), whole);
  },
});

Deno.test({
  name: "import CLI: --json reports every table; a broken export exits 1 with one line",
  ...real,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "ctdlsync-migr-cli-" });
    try {
      const ok = await runCli("import", "--migr", EXPORT!, "--data", `${root}/data`, "--json");
      assert.equal(ok.code, 0, ok.stderr);
      const json = JSON.parse(ok.stdout);
      assert.equal(json.ok, true);
      assert.equal(json.tables.messages, 201);
      assert.equal(json.tables.users, 19);
      assert.deepEqual(json.unknown, {});
      const text = await runCli("import", "--migr", EXPORT!, "--data", `${root}/data`, "--force");
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^imported a Citadel 902 MIGR export in /);
      assert.match(text.stdout, /\nmsglists +224\n/);

      const before = await digestsOfDir(`${root}/data`);
      await Deno.writeTextFile(
        `${root}/cut.xml`,
        (await Deno.readTextFile(EXPORT!)).slice(0, 5000),
      );
      const bad = await runCli(
        "import",
        ...["--migr", `${root}/cut.xml`, "--data", `${root}/data`, "--force"],
      );
      assert.equal(bad.code, 1);
      assert.equal(bad.stdout, "");
      assert.match(
        bad.stderr,
        /^ctdlsync: import failed: line \d+, <[a-z_]+>: .*truncated; .*data is unchanged\n$/,
      );
      assert.deepEqual(await digestsOfDir(`${root}/data`), before);
      const usage = await runCli("import", "--data", `${root}/data`);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /--migr is required/);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
