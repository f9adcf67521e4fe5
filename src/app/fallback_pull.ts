/**
 * The pull against a server that does not speak SYNC (a stock Citadel: its SNGL answers
 * 530). Everything comes over the ordinary client protocol:
 *
 * 1. the databases as a MIGR export: `MIGR export` streamed straight into the importer, or,
 *    where the server refuses it (902 serves MIGR only on its local admin socket), a file made
 *    on the old host with `sendcommand "MIGR export" > export.xml` (`--migr-file`);
 * 2. the files of every directory room: `GOTO room||1` (transient: the source's visit records
 *    stay as they are), `RDIR`, then `OPEN`, pipelined `READ off|4096`, `CLOS` per file;
 * 3. every system message: `MESG ?` lists them, `MESG name` reads each, as the pulling user
 *    and again after `LOUT`. MESG expands the `^` macros and a stock server cannot show the
 *    raw text, so the two readings are turned back into it (fallback_macros.ts); a message
 *    where that is not certain is kept as the user saw it, and the report names it.
 *
 * It all goes into a staging store, is checked (counts per table against the export, every
 * file's size, every listed system message present), and replaces the target only when the
 * checks pass, so a failed fallback leaves the target as it was.
 *
 * @module
 */

import { TransferError } from "../client/transfer_error.ts";
import { CitadelClient, ConnectionError, type Reply } from "../client/connection.ts";
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
import {
  fileText,
  importMigr,
  type ImportOptions,
  type ImportProgress,
  type ImportReport,
} from "./migr_import.ts";
import { pullRoomFiles } from "./fallback_files.ts";
import { restoreMacros } from "./fallback_macros.ts";
import { listShown, macroValuesFor, readBothWays } from "./fallback_mesg.ts";
import { replaceStore } from "./staging.ts";

/** Options of the fallback pull. */
export interface FallbackOptions extends SourceOptions {
  /** A MIGR export made on the old host, used instead of `MIGR export` over the wire. */
  migrFile?: string;
  /** A progress line to show in place; "" when done. */
  onProgress?: (line: string) => void;
  /** Told of the staging directory the pulled store is built in (StagingHooks). */
  onStage?: (stage: string) => () => void;
}

/** A table's row of the pull summary, with a note where the fallback could not do better. */
export interface FallbackReport extends TableReport {
  note?: string;
}

/** Characters of the MIGR listing handed to the XML reader at once. */
const PIECE = 64 * 1024;
/** Not in MIGR and not readable over the client protocol; a fallback cannot carry them. */
export const NOT_CARRIED: ReadonlySet<TableName> = new Set(["usetable", "roominfo"]);
/** Derived from other tables by the importer; nothing on the source to count them against. */
const DERIVED: ReadonlySet<TableName> = new Set(["usersbynumber", "euidindex", "directory"]);

/** The system messages' note: macros are turned back, except in the messages named. */
function macroNote(kept: string[]): string {
  const base = "raw text recovered from MESG as the user and logged out";
  return kept.length === 0 ? base : `${base}; kept as shown (not certain): ${kept.join(", ")}`;
}

function refusal(from: string, line: string): ConnectionError {
  return new ConnectionError(
    `${from} refused MIGR export (${line}).\n` +
      `A Citadel 902 serves MIGR only to its own admin socket. On the old host run\n` +
      `  sendcommand "MIGR export" > export.xml\n` +
      `copy export.xml here and run this command again with --migr-file export.xml\n` +
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
export async function pullMigr(
  store: Store,
  client: CitadelClient,
  opts: FallbackOptions,
  importOpts: ImportOptions = {},
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
      return await importMigr(store, fileText(opts.migrFile), { ...importOpts, onProgress: show });
    }
    const r = await client.command("MIGR export");
    if (Math.floor(r.code / 100) !== 1) throw refusal(opts.from, r.line);
    const listing = new ListingText(client);
    const report = await importMigr(store, listing.text(), { ...importOpts, onProgress: show });
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

/** What step 3 did: the names listed, and those kept as shown, with the reason. */
interface MesgResult {
  names: string[];
  kept: { name: string; why: string }[];
}

/**
 * Step 3: every system message the source lists, read as the pulling user and then logged
 * out, turned back into raw text with its `^` macros where that is certain (see
 * fallback_macros.ts); where it is not, the text is kept as the user saw it and named.
 */
async function pullSystemMessages(
  store: Store,
  client: CitadelClient,
  login: Reply,
): Promise<MesgResult> {
  const names = await listShown(client);
  if (names === null) return { names: [], kept: [] };
  const values = await macroValuesFor(store, login);
  const { user, anon } = await readBothWays(client, names);
  const kept: MesgResult["kept"] = [];
  const writer = new BatchWriter(store);
  for (const [name, shown] of user.texts) {
    const restored = restoreMacros(shown, anon?.texts.get(name) ?? null, values);
    if (restored.raw === null) kept.push({ name, why: restored.why });
    await writer.add(systemMessageOp(name, restored.raw ?? shown));
  }
  await writer.flush();
  return { names, kept };
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
    const login = await client.login(opts.user, opts.password);
    return await replaceStore(
      dataDir,
      (store) => pullInto(store, client, login, opts),
      (reports) => reports.every((r) => r.verified),
      { onStage: opts.onStage },
    );
  } finally {
    opts.onProgress?.("");
    await client.quit();
  }
}

async function pullInto(
  store: Store,
  client: CitadelClient,
  login: Reply,
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

  // Files before the banners: reading the banners logged out ends the session's login.
  t = performance.now();
  const files = await pullRoomFiles(store, client, opts.onProgress);
  const fileSeconds = (performance.now() - t) / 1000;
  for (const p of files.problems) log.info(`room files: ${p}`);

  opts.onProgress?.("system messages");
  t = performance.now();
  const mesg = await pullSystemMessages(store, client, login);
  const names = mesg.names;
  const mesgSeconds = (performance.now() - t) / 1000;
  for (const k of mesg.kept) {
    log.info(`system message ${k.name} kept as the source shows it to ${opts.user}: ${k.why}`);
  }

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
      note = macroNote(mesg.kept.map((k) => k.name));
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
  log.info("not carried without SYNC: the use table and old-style room info texts");
  return reports;
}
