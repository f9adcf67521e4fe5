/**
 * `ctdlsync import --migr FILE`: loads a Citadel MIGR export (as 902 writes it) into a store,
 * record by record as the document streams in (each element mapped by src/app/migr_elements.ts),
 * then rebuilds the indexes Citadel derives and checks every table's count against the export.
 *
 * @module
 */

import { CtdlError } from "../errors.ts";
import { CONTROL_KEYS } from "../migr/fields.ts";
import { type MigrRecord, readMigrRecords } from "../migr/xml_reader.ts";
import type { Store } from "../store/store.ts";
import { TABLE_NAMES, type TableName } from "../store/tables.ts";
import type { ImportOptions, ImportReport } from "./import_report.ts";
import { fixRefcounts, rebuildIndexes } from "./migr_indexes.ts";
import { ELEMENT_HANDLERS, ImportState } from "./migr_elements.ts";
import { replaceStore } from "./staging.ts";

export type { ImportOptions, ImportProgress, ImportReport } from "./import_report.ts";

/** Handles one record: `<version>` and `<progress>` here, the rest by its element's handler. */
async function importRecord(st: ImportState, rec: MigrRecord): Promise<void> {
  st.records++;
  if (st.hasher.ready) { for (const u of st.hasher.take()) await st.putUser(u); }
  if (rec.name === "version") {
    st.report.version = rec.text.trim();
  } else if (rec.name === "progress") {
    const percent = Number(rec.text.trim());
    if (Number.isFinite(percent)) {
      st.opts.onProgress?.({ percent, records: st.records, line: rec.line });
    }
  } else if (Object.hasOwn(ELEMENT_HANDLERS, rec.name)) {
    await ELEMENT_HANDLERS[rec.name](st, rec);
  } else {
    st.unknown(`<${rec.name}>`);
  }
}

/** Writes what is pending, rebuilds the derived indexes and checks the counts. */
async function finish(st: ImportState, started: number): Promise<ImportReport> {
  for (const u of await st.hasher.drain()) await st.putUser(u);
  await st.writer.flush();
  if (st.listsAfterMessages) await fixRefcounts(st.store, st.refcounts);
  let dangling = 0;
  let unlisted = 0;
  for (const n of st.refcounts.keys()) if (!st.messages.has(n)) dangling++;
  for (const n of st.messages) if (!st.refcounts.has(n)) unlisted++;
  if (dangling > 0) {
    st.warn(`${dangling} message numbers in room lists have no <message> in the export`);
  }
  if (unlisted > 0) st.warn(`${unlisted} messages are in no room's list (reference count 0)`);
  const derived = await rebuildIndexes(st.store, { euids: st.euids, fqdn: st.fqdn });

  const r = st.report;
  if (r.version === "") st.warn("the export has no <version>");
  let control = 0;
  for (const k of st.configKeys) if (CONTROL_KEYS.has(k)) control++;
  r.expected = {
    config: st.configKeys.size - control,
    control,
    users: st.userKeys.size,
    rooms: st.roomNumbers.size,
    floors: r.elements.floor ?? 0,
    visits: r.elements.visit ?? 0,
    messages: st.messages.size,
    msgmeta: st.messages.size,
    msglists: r.elements["message pointers"] ?? 0,
    ...derived,
  };
  for (const t of TABLE_NAMES) r.tables[t] = (await st.store.stats(t)).count;
  for (const [t, want] of Object.entries(r.expected) as [TableName, number][]) {
    if (r.tables[t] !== want) {
      st.warn(`table ${t}: the export has ${want} records, the store ${r.tables[t]}`);
    }
  }
  if (st.extraWarnings > 0) r.warnings.push(`... and ${st.extraWarnings} more warnings`);
  r.passwordsHashed = st.hasher.hashed;
  r.hashSeconds = st.hasher.seconds;
  r.seconds = Math.round(performance.now() - started) / 1000;
  return r;
}

/**
 * Imports a MIGR export from text chunks into `store` (which should be empty: the records
 * are written over whatever is there, and nothing is deleted). Throws MigrFormatError for a
 * truncated or malformed document; the store then holds a partial import, which is why
 * {@link importMigrFile} imports into a staging store.
 */
export async function importMigr(
  store: Store,
  source: AsyncIterable<string>,
  opts: ImportOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  const st = new ImportState(store, opts);
  for await (const rec of readMigrRecords(source)) await importRecord(st, rec);
  return await finish(st, started);
}

/** The text of a file, decoded as UTF-8 in chunks as it is read. */
export async function* fileText(path: string): AsyncGenerator<string> {
  const file = await Deno.open(path);
  yield* file.readable.pipeThrough(new TextDecoderStream());
}

/**
 * `ctdlsync import`: imports the export in `path` into a staging store beside `dataDir` and
 * swaps it in only when the whole document was read and mapped. A truncated or malformed
 * export leaves `dataDir` exactly as it was.
 */
export async function importMigrFile(
  path: string,
  dataDir: string,
  opts: ImportOptions = {},
): Promise<ImportReport> {
  await Deno.stat(path).catch((e) => {
    throw new CtdlError(571, `cannot read ${path}: ${(e as Error).message}`);
  });
  return await replaceStore(dataDir, (store) => importMigr(store, fileText(path), opts));
}
