import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { exportMigr, exportMigrFile } from "../../src/app/migr_export.ts";
import { fileText, importMigr } from "../../src/app/migr_import.ts";
import type { Store } from "../../src/store/store.ts";
import { type TableName, TABLES, type User } from "../../src/store/tables.ts";
import { checkPassword, getUser } from "../../src/store/users.ts";
import {
  CitadelClient,
  digests,
  fixtureStore,
  runCli,
  startServer,
  tempStore,
} from "../_helpers.ts";
import { EXPORT, importReal, MANIFEST, manifest } from "./_real.ts";

const real = { ignore: !EXPORT || !MANIFEST };

async function exportText(store: Store): Promise<string> {
  let out = "";
  for await (const piece of exportMigr(store)) out += piece;
  return out;
}

/** The document with each random locked password replaced by one placeholder. */
function unlock(xml: string): string {
  return xml.replace(/locked-[A-Za-z0-9_-]{24}/g, "locked-*");
}

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

async function users(store: Store): Promise<User[]> {
  const out: User[] = [];
  for await (const rec of store.list("users")) out.push(TABLES.users.codec.decode(rec.value));
  return out;
}

/**
 * Lines that legitimately differ: locked values (and carried hashes) for clear passwords, true
 * refcounts for 902's 0.
 */
function normalise(xml: string): string {
  return xml.replace(/<u_password>[^<]*<\/u_password>/g, "<u_password/>")
    .replace(/<u_ctdlsync_password>[^<]*<\/u_ctdlsync_password>\n/g, "")
    .replace(/<msg_meta_refcount>\d+<\/msg_meta_refcount>/g, "<msg_meta_refcount/>");
}

Deno.test({
  name: "export: the imported real data exports as the very document 902 wrote",
  ...real,
  async fn() {
    const t = await tempStore();
    try {
      await importReal(t.store);
      const ours = await exportText(t.store);
      const theirs = await Deno.readTextFile(EXPORT!);
      assert.notEqual(ours, theirs, "passwords are locked, refcounts are true counts");
      // Byte for byte otherwise: element order, one-line visits, CRLF base64, progress lines.
      assert.equal(normalise(ours), normalise(theirs));
      assert.match(ours, /<msg_msgnum>67<\/msg_msgnum>\n<msg_meta_refcount>2</);
      assert.match(ours, /<u_fullname>admin<\/u_fullname>/);
      assert.doesNotMatch(ours, /adminpw/, "no clear-text password is ever written");
    } finally {
      await t.cleanup();
    }
  },
});

Deno.test({
  name: "export: export with hashes carried, then import, gives the same store (digests, users)",
  ...real,
  async fn() {
    const a = await tempStore();
    const b = await tempStore();
    const file = await Deno.makeTempFile({ suffix: ".xml" });
    try {
      await importReal(a.store);
      // The form the wire MIGR export takes: a ctdlsync importing it keeps every login.
      const counts = await exportMigrFile(a.store, file, { carryHashes: true });
      assert.equal(counts.message, 201);
      assert.equal(counts.user, 19);
      const report = await importMigr(b.store, fileText(file));
      assert.equal(report.passwordsHashed, 0, "our own hashes are kept, not hashed again");
      assert.deepEqual(report.unknown, {});
      assert.deepEqual(await digests(b.store), await digests(a.store));
      assert.deepEqual(await users(b.store), await users(a.store));
      const admin = (await getUser(b.store, "admin"))!;
      assert.equal(await checkPassword(admin.password, manifest().admin.password), true);
    } finally {
      await a.cleanup();
      await b.cleanup();
      await Deno.remove(file);
    }
  },
});

Deno.test("export: the small fixture goes through MIGR and back for every table MIGR carries", async () => {
  const src = await fixtureStore();
  const dst = await tempStore();
  try {
    const xml = await exportText(src.store);
    // The message whose body holds a line "000" and the >64 KiB message stay intact.
    await importMigr(dst.store, once(xml));
    const carried: TableName[] = [
      "config",
      "control",
      "users",
      "usersbynumber",
      "floors",
      "rooms",
      "msglists",
      "visits",
      "messages",
      "msgmeta",
      "euidindex",
      "directory",
    ];
    const a = await digests(src.store);
    const b = await digests(dst.store);
    for (const t of carried) assert.equal(b[t], a[t], t);
    assert.deepEqual(await users(dst.store), await users(src.store));
    // Not in MIGR: system messages, room files, use table, old-style room info texts.
    for (const t of ["sysmsgs", "roomfiles", "usetable", "roominfo"] as const) {
      assert.equal((await dst.store.stats(t)).count, 0, t);
    }
    // No line of the document is exactly "000", which would end a MIGR listing early.
    assert.ok(!xml.split(/\r?\n/).includes("000"));
  } finally {
    await src.cleanup();
    await dst.cleanup();
  }
});

Deno.test({
  name: "MIGR export over the wire: an Aide gets the document as a listing; others get 550",
  ...real,
  async fn() {
    const t = await tempStore();
    await importReal(t.store);
    const { server, address } = startServer(t.store, { migrExport: exportMigr });
    try {
      const m = manifest();
      const aide = await CitadelClient.connect(address);
      await aide.login(m.admin.name, m.admin.password);
      const { reply, lines } = await aide.listing("MIGR export");
      assert.equal(reply.line, "100 Exporting all Citadel databases.");
      // Lines come without their CR (msg_text's CRLF); the listing is the document.
      const want = (await exportText(t.store)).replace(/\r/g, "").replace(/\n$/, "");
      assert.equal(unlock(lines.join("\n")), unlock(want));
      const copy = await tempStore();
      const again = await importMigr(copy.store, once(lines.join("\n") + "\n"));
      await copy.cleanup();
      assert.equal(again.tables.messages, 201);
      assert.equal((await aide.command("MIGR frobnicate")).code, 512);
      assert.equal((await aide.command("MIGR import")).code, 530);
      await aide.quit();

      const user = m.users.find((u) => u.axlevel < 6)!;
      const plain = await CitadelClient.connect(address);
      await plain.login(user.name, user.password);
      assert.equal((await plain.command("MIGR export")).code, 550);
      await plain.quit();
    } finally {
      await server.stop(2);
      await Deno.remove(t.dir, { recursive: true });
    }
  },
});

Deno.test("MIGR export over the wire: the fixture's Aide can export, then NOOP still works", async () => {
  const t = await fixtureStore();
  const { server, address } = startServer(t.store, { migrExport: exportMigr });
  try {
    const c = await CitadelClient.connect(address);
    await c.login(FIXTURE_USERS.sysop.name, FIXTURE_USERS.sysop.password);
    const { lines } = await c.listing("MIGR export");
    assert.equal(lines.at(-2), "</citadel_migrate_data>");
    assert.equal(lines.at(-1), "<progress>100</progress>");
    assert.equal((await c.command("NOOP")).code, 200);
    await c.quit();
  } finally {
    await server.stop(2);
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("export CLI: writes the same document as exportMigr, through a temporary file", async () => {
  const t = await fixtureStore();
  const root = await Deno.makeTempDir({ prefix: "ctdlsync-migr-cli-" });
  try {
    let want = "";
    for await (const piece of exportMigr(t.store, {}, {})) want += piece;
    await t.store.close();
    const out = await runCli(
      "export",
      "--migr",
      `${root}/out.xml`,
      "--data",
      t.dir,
    );
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^wrote .*out\.xml: \d+ config, \d+ user/);
    assert.equal(unlock(await Deno.readTextFile(`${root}/out.xml`)), unlock(want));
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name).sort(), [
      "files",
      "messages",
      "out.xml",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(t.dir, { recursive: true });
  }
});
