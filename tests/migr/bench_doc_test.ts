/** bench/import.ts's generated documents are complete, valid MIGR exports (so its figures mean something). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { generateMigrDocument, measureImport, writeMigrDocument } from "../../bench/import.ts";
import { importMigr } from "../../src/app/migr_import.ts";
import { tempStore } from "../_helpers.ts";

Deno.test("bench document: every record imports, with its counts, passwords hashed", async () => {
  const t = await tempStore();
  try {
    const r = await importMigr(t.store, generateMigrDocument({ users: 3, rooms: 4, messages: 21 }));
    assert.deepEqual(r.unknown, {});
    assert.deepEqual(r.warnings, []);
    assert.equal(r.version, "902");
    assert.equal(r.passwordsHashed, 3);
    assert.equal(r.tables.users, 3);
    assert.equal(r.tables.rooms, 4);
    assert.equal(r.tables.messages, 21);
    assert.equal(r.tables.msglists, 21, "each message listed in exactly one room");
    assert.equal(r.tables.floors, 1);
  } finally {
    await t.cleanup();
  }
});

Deno.test("bench document: a size target is met, and measureImport reports on it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-bench-doc-test-" });
  try {
    const path = join(dir, "doc.xml");
    const size = await writeMigrDocument(path, { users: 2, rooms: 3, bytes: 300_000 });
    assert.ok(size >= 300_000 && size < 450_000, `size ${size}`);
    const f = await measureImport(path);
    assert.equal(f.passwords, 2);
    assert.ok(f.import_mb_s > 0 && f.parse_mb_s > 0 && f.hash_s > 0 && f.hash_ratio > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
