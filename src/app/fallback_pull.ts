/**
 * The pull against a server that does not speak SYNC (a stock Citadel: its SNGL answers
 * 530). Everything comes over the ordinary client protocol:
 *
 * 1. the databases as a MIGR export: `MIGR export` streamed straight into the importer, or,
 *    where the server refuses it (902 serves MIGR only on its local admin socket), a file made
 *    on the old host with `sendcommand "MIGR export" > export.xml` (`--migr-file`);
 * 2. every system message: `MESG ?` lists them, `MESG name` reads each. MESG expands the `^`
 *    macros and a stock server has no way to read the raw text, so the texts are stored as the
 *    source shows them (`^humannode` already replaced), which the report says;
 * 3. the files of every directory room: `GOTO room||1` (transient: the source's visit records
 *    stay as they are), `RDIR`, then `OPEN`, pipelined `READ off|4096`, `CLOS` per file.
 *
 * It all goes into a staging store, is checked (counts per table against the export, every
 * file's size, every listed system message present), and replaces the target only when the
 * checks pass, so a failed fallback leaves the target as it was.
 *
 * @module
 */

import { TransferError } from "../client/transfer_error.ts";
import { CitadelClient, ConnectionError } from "../client/connection.ts";
import type { TableReport } from "../client/pull.ts";
import { humanBytes } from "../client/report.ts";
import type { SourceOptions } from "../client/run_pull.ts";
import { log } from "../log.ts";
import { MigrFormatError } from "../migr/xml_reader.ts";
import { BatchWriter } from "../store/batch_writer.ts";
import type { Store } from "../store/store.ts";
import { systemMessageOp } from "../store/system_messages.ts";
import { TABLE_NAMES, type TableName } from "../store/tables.ts";
import { checkDerived } from "./migr_indexes.ts";
import { fileText, importMigr, type ImportProgress, type ImportReport } from "./migr_import.ts";
import { pullRoomFiles } from "./fallback_files.ts";
import { replaceStore } from "./staging.ts";

/** Options of the fallback pull. */
export interface FallbackOptions extends SourceOptions {
  /** A MIGR export made on the old host, used instead of `MIGR export` over the wire. */
  migrFile?: string;
  /** A progress line to show in place; "" when done. */
  onProgress?: (line: string) => void;
}

/** A table's row of the pull summary, with a note where the fallback could not do better. */
export interface FallbackReport extends TableReport {
  note?: string;
}

/** Characters of the MIGR listing handed to the XML reader at once. */
const PIECE = 64 * 1024;
/** Not in MIGR and not readable over the client protocol; a fallback cannot carry them. */
const NOT_CARRIED: ReadonlySet<TableName> = new Set(["usetable", "roominfo"]);
/** Derived from other tables by the importer; nothing on the source to count them against. */
const DERIVED: ReadonlySet<TableName> = new Set(["usersbynumber", "euidindex", "directory"]);

const MACRO_NOTE = "MESG expands ^macros; texts are stored as the source shows them, not raw";

function refusal(from: string, line: string): ConnectionError {
  return new ConnectionError(
    `${from} refused MIGR export (${line}).\n` +
      `A Citadel 902 serves MIGR only to its own admin socket. On the old host run\n` +
      `  sendcommand "MIGR export" > export.xml\n` +
      `copy export.xml here and run the pull again with --migr-file export.xml\n` +
      `(system messages and room files still come over the wire).`,
  );
}

/** The lines of a listing already announced by its 1xx reply, as document text, to `000`. */
class ListingText {
  #client: CitadelClient;
  #done = false;

  constructor(client: CitadelClient) {
    this.#client = client;
  }

  /**
   * The listing in pieces of about 64 KiB: lines are taken from the reader's buffer as they
   * arrive and handed to the XML reader in one piece, not one await per 68-byte line.
   */
  async *text(): AsyncGenerator<string> {
    let piece = "";
    while (!this.#done) {
      const line = await this.#client.reader.readLine(1 << 24);
      if (line === null) throw new ConnectionError("server closed the connection in MIGR export");
      if (line === "000") {
        this.#done = true;
        break;
      }
      piece += line + "\n";
      if (piece.length >= PIECE) {
        yield piece;
        piece = "";
      }
    }
    if (piece !== "") yield piece;
  }

  /** Reads what the importer left (it stops at the root's end tag) up to the `000`. */
  async drain(): Promise<void> {
    for await (const _ of this.text()) {
      // lines after </citadel_migrate_data> (902's stray <progress>100</progress>)
    }
  }
}

/** Step 1: the databases, from `MIGR export` over the wire or from `--migr-file`. */
async function pullMigr(
  store: Store,
  client: CitadelClient,
  opts: FallbackOptions,
): Promise<ImportReport> {
  const started = Date.now();
  const show = (p: ImportProgress) => {
    const bytes = opts.migrFile ? "" : `  ${humanBytes(client.reader.bytesRead)}`;
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    opts.onProgress?.(
      `MIGR export ${String(p.percent).padStart(3)} %  ${p.records} records${bytes}  ${secs} s`,
    );
  };
  try {
    if (opts.migrFile) {
      return await importMigr(store, fileText(opts.migrFile), { onProgress: show });
    }
    const r = await client.command("MIGR export");
    if (Math.floor(r.code / 100) !== 1) throw refusal(opts.from, r.line);
    const listing = new ListingText(client);
    const report = await importMigr(store, listing.text(), { onProgress: show });
    await listing.drain();
    return report;
  } catch (e) {
    // A document cut short or damaged on the way is a failed transfer: exit 3, run again.
    if (e instanceof MigrFormatError) {
      throw new TransferError(
        `MIGR export${opts.migrFile ? ` in ${opts.migrFile}` : ""}: ${e.message}`,
      );
    }
    throw e;
  }
}

/** Step 2: every system message the source lists. Returns the names listed. */
async function pullSystemMessages(store: Store, client: CitadelClient): Promise<string[]> {
  const r = await client.command("MESG ?");
  if (Math.floor(r.code / 100) !== 1) {
    log.info(`MESG ? answered ${r.line}; no system messages pulled`);
    return [];
  }
  // 902 lists each name with a leading space.
  const names = (await client.readListing()).map((l) => l.trim()).filter((n) => n !== "");
  for (const name of names) await client.out.writeLine(`MESG ${name}`);
  await client.out.flush();
  const ops = [];
  for (const name of names) {
    const reply = await client.readReply();
    if (Math.floor(reply.code / 100) !== 1) {
      log.info(`MESG ${name} answered ${reply.line}`);
      continue;
    }
    const lines = await client.readListing();
    ops.push(systemMessageOp(name, lines.map((l) => l + "\n").join("")));
  }
  const writer = new BatchWriter(store);
  for (const op of ops) await writer.add(op);
  await writer.flush();
  return names;
}

/**
 * The whole fallback pull into `dataDir`: connect, log in, MIGR (or `migrFile`), system
 * messages, room files, checks, swap. Returns one report per table, like the native pull;
 * when a check fails the reports say so and `dataDir` is left as it was.
 */
export async function runFallbackPull(
  dataDir: string,
  opts: FallbackOptions,
): Promise<FallbackReport[]> {
  const client = await CitadelClient.connect(opts.from, { tls: opts.tls, caCerts: opts.caCerts });
  try {
    await client.login(opts.user, opts.password);
    return await replaceStore(
      dataDir,
      (store) => pullInto(store, client, opts),
      (reports) => reports.every((r) => r.verified),
    );
  } finally {
    opts.onProgress?.("");
    await client.quit();
  }
}

async function pullInto(
  store: Store,
  client: CitadelClient,
  opts: FallbackOptions,
): Promise<FallbackReport[]> {
  log.info(
    opts.migrFile
      ? `pulling from ${opts.migrFile}, then MESG and the file commands on ${opts.from}`
      : `${opts.from} does not speak SYNC: pulling with MIGR, MESG and the file commands`,
  );
  let t = performance.now();
  const imported = await pullMigr(store, client, opts);
  const migrSeconds = (performance.now() - t) / 1000;
  for (const [name, n] of Object.entries(imported.unknown)) {
    log.info(`MIGR: ${name} x${n} not imported (unknown to this importer)`);
  }
  for (const w of imported.warnings) log.info(`MIGR: ${w}`);

  opts.onProgress?.("system messages");
  t = performance.now();
  const names = await pullSystemMessages(store, client);
  const mesgSeconds = (performance.now() - t) / 1000;

  t = performance.now();
  const files = await pullRoomFiles(store, client, opts.onProgress);
  const fileSeconds = (performance.now() - t) / 1000;
  for (const p of files.problems) log.info(`room files: ${p}`);

  const derivedProblems = await checkDerived(store);
  const reports: FallbackReport[] = [];
  for (const table of TABLE_NAMES) {
    if (NOT_CARRIED.has(table)) continue;
    const stats = await store.stats(table);
    let expected = imported.expected[table] ?? stats.count;
    let seconds = migrSeconds;
    let note: string | undefined;
    let verified = stats.count === expected;
    if (table === "sysmsgs") {
      expected = names.length;
      verified = (await Promise.all(names.map((n) => store.size("sysmsgs", [n])))).every((s) =>
        s !== null
      );
      seconds = mesgSeconds;
      note = MACRO_NOTE;
    } else if (table === "roomfiles") {
      expected = files.listed;
      verified = files.problems.length === 0 && files.stored === files.listed &&
        stats.count === files.listed;
      seconds = fileSeconds;
    } else if (DERIVED.has(table)) {
      // Nothing on the source to count them against: they are checked against the records
      // they were rebuilt from (each entry names a real user or a listed message) and
      // against the count the rebuild computed.
      const problems = derivedProblems[table as keyof typeof derivedProblems];
      for (const p of problems) log.info(`check: ${p}`);
      verified = verified && problems.length === 0;
      note = "rebuilt from the imported records, checked against them";
    }
    reports.push({
      table,
      action: "full",
      records: stats.count,
      bytes: stats.bytes,
      seconds,
      verified,
      source: { table, count: expected, digest: "", stamp: 0, bytes: 0 },
      ...(note ? { note } : {}),
    });
  }
  if (names.length > 0) log.info(`system messages: ${MACRO_NOTE}`);
  log.info("not carried without SYNC: the use table and old-style room info texts");
  return reports;
}
