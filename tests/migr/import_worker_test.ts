/**
 * The import reads and maps the document on a worker thread (src/app/migr_worker.ts) unless
 * told otherwise: both ways must write the same records, fail with the same error, and
 * leave the target unchanged when the document is broken.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeMigrDocument } from "../../bench/import.ts";
import { fileText, importMigr, importMigrFile } from "../../src/app/migr_import.ts";
import type { ImportReport } from "../../src/app/import_report.ts";
import { MigrFormatError } from "../../src/migr/xml_reader.ts";
import { TABLES } from "../../src/store/tables.ts";
import { checkPassword } from "../../src/store/users.ts";
import { digests, digestsOfDir, tempStore } from "../_helpers.ts";
import { EXPORT } from "./_real.ts";

/** Imports `path` into a fresh store; returns the report, digests and decoded users. */
async function importOnce(path: string, inThread: boolean, fromChunks = false) {
  const t = await tempStore();
  try {
    // A plain async iterable (not a file) makes the worker ask this thread for the text,
    // as the fallback pull does with a socket.
    const source = fromChunks
      ? (async function* () {
        yield* fileText(path);
      })()
      : fileText(path);
    const report = await importMigr(t.store, source, { inThread });
    const users = [];
    for await (const r of t.store.list("users")) users.push(TABLES.users.codec.decode(r.value));
    return { report, digests: await digests(t.store), users };
  } finally {
    await t.cleanup();
  }
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-worker-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The report without what differs between two runs of the same import (times). */
function comparable(r: ImportReport) {
  return { ...r, seconds: 0, hashSeconds: 0 };
}

async function assertSameImport(path: string, passwords: Map<string, string>) {
  const a = await importOnce(path, true);
  for (const fromChunks of [false, true]) {
    const b = await importOnce(path, false, fromChunks);
    assert.deepEqual(comparable(b.report), comparable(a.report));
    // Users hold hashes with fresh salts, so their table's digest differs run to run; every
    // other table must agree exactly, and the users in all but the hash.
    assert.deepEqual({ ...b.digests, users: "" }, { ...a.digests, users: "" });
    assert.deepEqual(
      b.users.map((u) => ({ ...u, password: "" })),
      a.users.map((u) => ({ ...u, password: "" })),
    );
    for (const u of b.users) {
      const clear = passwords.get(u.fullname);
      if (clear !== undefined) assert.ok(await checkPassword(u.password, clear), u.fullname);
    }
  }
}

Deno.test("import worker: a generated document gives the same store as the in-thread import", () =>
  inTempDir(async (dir) => {
    const path = join(dir, "doc.xml");
    await writeMigrDocument(path, { users: 4, rooms: 5, bytes: 2_500_000, seed: 7 });
    // The generator's clear passwords, read back from the document.
    const xml = await Deno.readTextFile(path);
    const passwords = new Map<string, string>();
    for (const [user] of xml.matchAll(/<user>[\s\S]*?<\/user>/g)) {
      const field = (name: string) => new RegExp(`<${name}>([^<]*)<`).exec(user)![1];
      passwords.set(field("u_fullname"), field("u_password"));
    }
    assert.equal(passwords.size, 4);
    await assertSameImport(path, passwords);
  }));

Deno.test({
  name: "import worker: the real 902 export gives the same store as the in-thread import",
  ignore: !EXPORT,
  async fn() {
    await assertSameImport(EXPORT!, new Map());
  },
});

Deno.test("import worker: a broken document fails with the in-thread error; target kept", () =>
  inTempDir(async (dir) => {
    const path = join(dir, "doc.xml");
    await writeMigrDocument(path, { users: 2, rooms: 3, messages: 400, seed: 3 });
    const xml = await Deno.readTextFile(path);
    // Damage deep in the messages, after many batches went to the store, and cut it short.
    const at = xml.indexOf("<msg_text>", Math.floor(xml.length * 0.7));
    const broken = join(dir, "broken.xml");
    const cut = join(dir, "cut.xml");
    await Deno.writeTextFile(
      broken,
      xml.slice(0, at) + "<msg_text>#not base64#" + xml.slice(at + 10),
    );
    await Deno.writeTextFile(cut, xml.slice(0, Math.floor(xml.length * 0.8)));
    for (const bad of [broken, cut]) {
      const errors: string[] = [];
      for (const inThread of [true, false]) {
        const t = await tempStore();
        try {
          await assert.rejects(importMigr(t.store, fileText(bad), { inThread }), (e) => {
            assert.ok(e instanceof MigrFormatError, String(e));
            errors.push(e.message);
            return true;
          });
        } finally {
          await t.cleanup();
        }
      }
      assert.equal(errors[1], errors[0]);
      // Through importMigrFile (the worker), a store already in the target stays as it was.
      const data = join(dir, "data");
      await importMigrFile(path, data);
      const before = await digestsOfDir(data);
      await assert.rejects(importMigrFile(bad, data, { inThread: false }), MigrFormatError);
      assert.deepEqual(await digestsOfDir(data), before);
    }
  }));
