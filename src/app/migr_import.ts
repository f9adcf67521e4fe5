/**
 * `ctdlsync import --migr FILE`: loads a Citadel MIGR export (as 902 writes it) into a store,
 * record by record as the document streams in (each element mapped by src/app/migr_elements.ts),
 * then rebuilds the indexes Citadel derives and checks every table's count against the export.
 *
 * @module
 */

import { CtdlError } from "../errors.ts";
import { CONTROL_KEYS } from "../migr/fields.ts";
import { BatchWriter } from "../store/batch_writer.ts";
import { opAt, type PackedOps } from "../store/op_batch.ts";
import type { Store } from "../store/store.ts";
import { TABLE_NAMES, type TableName } from "../store/tables.ts";
import type { ImportOptions, ImportReport } from "./import_report.ts";
import { fixRefcounts, rebuildIndexes } from "./migr_indexes.ts";
import { importRecords, ImportState, type ImportTally, warnInto } from "./migr_elements.ts";
import { failureError, type WorkerFailure } from "./migr_worker_protocol.ts";
import { replaceStore } from "./staging.ts";
import { FileText, fileText } from "./text_source.ts";

export type { ImportOptions, ImportProgress, ImportReport } from "./import_report.ts";
export { fileText } from "./text_source.ts";

/** Rebuilds the derived indexes and checks the counts, once every record is written. */
async function finish(store: Store, st: ImportTally, started: number): Promise<ImportReport> {
  const warn = (text: string) => warnInto(st, text);
  if (st.listsAfterMessages) await fixRefcounts(store, st.refcounts);
  let dangling = 0;
  let unlisted = 0;
  for (const n of st.refcounts.keys()) if (!st.messages.has(n)) dangling++;
  for (const n of st.messages) if (!st.refcounts.has(n)) unlisted++;
  if (dangling > 0) {
    warn(`${dangling} message numbers in room lists have no <message> in the export`);
  }
  if (unlisted > 0) warn(`${unlisted} messages are in no room's list (reference count 0)`);
  const derived = await rebuildIndexes(store, { euids: st.euids, fqdn: st.fqdn });

  const r = st.report;
  if (r.version === "") warn("the export has no <version>");
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
  for (const t of TABLE_NAMES) r.tables[t] = (await store.stats(t)).count;
  for (const [t, want] of Object.entries(r.expected) as [TableName, number][]) {
    if (r.tables[t] !== want) {
      warn(`table ${t}: the export has ${want} records, the store ${r.tables[t]}`);
    }
  }
  if (st.extraWarnings > 0) r.warnings.push(`... and ${st.extraWarnings} more warnings`);
  r.seconds = Math.round(performance.now() - started) / 1000;
  return r;
}

/**
 * Imports a MIGR export from text chunks into `store` (which should be empty: the records
 * are written over whatever is there, and nothing is deleted). Throws MigrFormatError for a
 * truncated or malformed document; the store then holds a partial import, which is why
 * {@link importMigrFile} imports into a staging store.
 *
 * A large document is read and mapped on a worker thread (migr_worker.ts) while this
 * thread commits; a file under WORKER_MIN_BYTES, `opts.inThread`, or `opts.hashPassword`
 * (a function cannot go to a worker) keep it on this thread; `inThread: false` asks for
 * the worker whatever the size. Both ways write the same records.
 */
export async function importMigr(
  store: Store,
  source: AsyncIterable<string>,
  opts: ImportOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  let tally: ImportTally;
  if (!await worthAWorker(source, opts)) {
    const st = new ImportState(new BatchWriter(store), opts);
    await importRecords(st, source);
    tally = st.tally();
  } else {
    tally = await importInWorker(store, source, opts);
  }
  return await finish(store, tally, started);
}

/**
 * Files smaller than this are imported on one thread: a worker costs 50-115 ms to start,
 * and in a small document the password hashes, not the records, keep both cores busy
 * (measured in docs/performance.md). A stream (the fallback pull's socket) has no size
 * up front and always gets the worker.
 */
export const WORKER_MIN_BYTES = 16 * 1024 * 1024;

async function worthAWorker(source: AsyncIterable<string>, opts: ImportOptions) {
  if (opts.inThread || opts.hashPassword) return false;
  if (opts.inThread === false || !(source instanceof FileText)) return true;
  const size = (await Deno.stat(source.path).catch(() => null))?.size ?? 0;
  return size >= WORKER_MIN_BYTES;
}

/**
 * Runs the import worker over `source` and commits the batches it posts, in order, with
 * the store's BatchWriter; a file is read by the worker itself. Returns the worker's
 * tally once every batch is written; the first failure (the worker's, rebuilt as the same
 * error, or a commit's) ends the worker and is thrown.
 */
async function importInWorker(
  store: Store,
  source: AsyncIterable<string>,
  opts: ImportOptions,
): Promise<ImportTally> {
  const worker = new Worker(new URL("./migr_worker.ts", import.meta.url).href, {
    type: "module",
  });
  const writer = new BatchWriter(store);
  const chunks = source instanceof FileText ? null : source[Symbol.asyncIterator]();
  // Batches are written one after another, in the order posted; "done" waits for them.
  let written: Promise<void> = Promise.resolve();
  let reading: Promise<void> = Promise.resolve();
  try {
    const tally = await new Promise<ImportTally>((resolve, reject) => {
      const inOrder = (step: () => Promise<void>) => {
        written = written.then(step);
        written.catch(reject);
      };
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`the import worker failed: ${e.message}`));
      };
      worker.onmessage = (e: MessageEvent) => {
        const m = e.data;
        if (m.type === "ops") {
          inOrder(async () => {
            const p: PackedOps = m.packed;
            for (let i = 0; i < p.tables.length; i++) {
              const wait = writer.add(opAt(p, i));
              if (wait) await wait;
            }
            worker.postMessage({ type: "ack" });
          });
        } else if (m.type === "need") {
          reading = reading.then(async () => {
            const next = await chunks!.next();
            worker.postMessage(next.done ? { type: "end" } : { type: "chunk", text: next.value });
          });
          reading.catch(reject);
        } else if (m.type === "progress") {
          opts.onProgress?.(m.p);
        } else if (m.type === "done") {
          inOrder(() => Promise.resolve(resolve(m.tally)));
        } else if (m.type === "error") {
          reject(failureError(m as WorkerFailure));
        }
      };
      worker.postMessage({
        type: "start",
        path: source instanceof FileText ? source.path : undefined,
        hashConcurrency: opts.hashConcurrency,
      });
    });
    await writer.flush();
    return tally;
  } finally {
    worker.terminate();
    // No batch of this import is written once it returns or throws. A read of the source
    // may still be waiting (a socket): it is not awaited, only told to stop.
    await written.catch(() => {});
    reading.then(() => chunks?.return?.()).catch(() => {});
  }
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
  return await replaceStore(
    dataDir,
    (store) => importMigr(store, fileText(path), opts),
    undefined,
    { onStage: opts.onStage },
  );
}
