/**
 * The fallback pull's check of the indexes it rebuilds (users by number, directory, EUID
 * index) is a real check: it passes on a clean import and names each damaged entry.
 */
import assert from "node:assert/strict";
import { exportMigr } from "../../src/app/migr_export.ts";
import { checkDerived } from "../../src/app/migr_indexes.ts";
import { importMigr } from "../../src/app/migr_import.ts";
import { TABLES } from "../../src/store/tables.ts";
import { fixtureStore, tempStore } from "../_helpers.ts";

async function* text(it: AsyncIterable<string>): AsyncGenerator<string> {
  yield* it;
}

Deno.test("derived check: clean after an import, names damaged users-by-number, directory and EUID entries", async () => {
  const src = await fixtureStore();
  const t = await tempStore();
  try {
    const report = await importMigr(t.store, text(exportMigr(src.store)));
    for (const table of ["usersbynumber", "directory", "euidindex"] as const) {
      assert.ok(report.tables[table] > 0, `${table} was rebuilt`);
      assert.equal(report.tables[table], report.expected[table], `${table} count as rebuilt`);
    }
    assert.deepEqual(await checkDerived(t.store), {
      usersbynumber: [],
      directory: [],
      euidindex: [],
    });

    const enc = new TextEncoder();
    const [euid] = await Array.fromAsync(t.store.list("euidindex"));
    await t.store.write([
      { table: "usersbynumber", key: [4242], value: enc.encode("SysOp") },
      { table: "directory", key: ["ghost@example.org"], value: enc.encode("Nobody At All") },
      { table: "euidindex", key: euid.key, value: TABLES.euidindex.codec.encode(999_999) },
    ]);
    const found = await checkDerived(t.store);
    assert.deepEqual(found.usersbynumber, ["usersbynumber 4242: no such user"]);
    assert.deepEqual(found.directory, [
      'directory "ghost@example.org": no user "Nobody At All"',
    ]);
    assert.deepEqual(found.euidindex, [
      `euidindex ${euid.key.join("|")}: message 999999 is not in that room`,
    ]);
  } finally {
    await t.cleanup();
    await src.cleanup();
  }
});
