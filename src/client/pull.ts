import { CtdlError } from "../errors.ts";
import { encodeKey, type KeyPart } from "../wire/record_key.ts";
import { BatchWriter } from "../store/batch_writer.ts";
import type { Store } from "../store/store.ts";
import { TABLE_NAMES, type TableName } from "../store/tables.ts";
import { type BulkRecord, readBulk } from "./bulk_reader.ts";
import { TransferError } from "./transfer_error.ts";
import type { CitadelClient } from "./connection.ts";

/** A table's summary on the source, from `SYNC all|info` or `SYNC <t>|info`. */
export interface SourceInfo {
  table: TableName;
  count: number;
  digest: string;
  stamp: number;
  bytes: number;
}

/**
 * Where a table's pull stands, stored in the same commit as the records it covers:
 * `done` means everything up to source stamp `stamp` is here; `full` means a full copy is
 * under way, records up to key `after` are here, and changes since `start` follow.
 */
type Checkpoint =
  | { storeId: string; phase: "done"; stamp: number }
  | { storeId: string; phase: "full"; start: number; after: KeyPart[] | null };

/** What happened to one table. */
export interface TableReport {
  table: TableName;
  /** skipped (already equal), since (incremental), full, resume (continued a full copy). */
  action: "skipped" | "since" | "full" | "resume" | "would-pull";
  records: number;
  bytes: number;
  seconds: number;
  verified: boolean;
  source: SourceInfo;
}

/** Progress of a running table pull, for the terminal display. */
export interface Progress {
  table: TableName;
  records: number;
  bytes: number;
  totalRecords: number;
  totalBytes: number;
  startedMs: number;
}

/** Options of a pull over an established, logged-in connection. */
export interface PullOptions {
  tables?: TableName[];
  dryRun?: boolean;
  onProgress?: (p: Progress) => void;
  onTableDone?: (r: TableReport) => void;
}

const CHECKPOINT = (t: TableName) => ["checkpoint", t];

/** Parses the `SYNC all|info` listing. */
export async function sourceInfo(
  client: CitadelClient,
): Promise<{ storeId: string; tables: SourceInfo[] }> {
  const { reply, lines } = await client.listing("SYNC all|info");
  const storeId = reply.text.split("|")[0];
  const tables = lines.map(parseInfoLine);
  return { storeId, tables };
}

function parseInfoLine(line: string): SourceInfo {
  const [table, count, digest, stamp, bytes] = line.split("|");
  if (!TABLE_NAMES.includes(table as TableName) || !/^[0-9a-f]{16}$/.test(digest ?? "")) {
    throw new TransferError(`unexpected info line '${line}'`);
  }
  return { table: table as TableName, count: +count, digest, stamp: +stamp, bytes: +bytes };
}

/** Asks the source for one table's info again (after a pull, to verify against). */
async function tableInfo(client: CitadelClient, table: TableName): Promise<SourceInfo> {
  const r = await client.command(`SYNC ${table}|info`);
  if (r.code !== 200) throw new CtdlError(r.code, r.text);
  return parseInfoLine(r.text);
}

/**
 * Pulls every table (or `opts.tables`) from a SYNC source into `store`. For each table:
 * equal count and digest → skipped; a checkpoint from this source → only what changed since
 * (or the rest of an interrupted full copy); otherwise a full copy. Each table ends with its
 * digest compared to the source's; an incremental pull that does not match is redone in full.
 */
export async function pull(
  store: Store,
  client: CitadelClient,
  opts: PullOptions = {},
): Promise<TableReport[]> {
  const { storeId, tables } = await sourceInfo(client);
  const wanted = new Set(opts.tables ?? TABLE_NAMES);
  const reports: TableReport[] = [];
  for (const info of tables) {
    if (!wanted.has(info.table)) continue;
    const report = await pullTable(store, client, storeId, info, opts);
    reports.push(report);
    opts.onTableDone?.(report);
  }
  return reports;
}

async function pullTable(
  store: Store,
  client: CitadelClient,
  storeId: string,
  info: SourceInfo,
  opts: PullOptions,
): Promise<TableReport> {
  const table = info.table;
  const started = Date.now();
  const local = await store.stats(table);
  const cp = await store.getMeta<Checkpoint>(CHECKPOINT(table));
  const report: TableReport = {
    table,
    action: "skipped",
    records: 0,
    bytes: 0,
    seconds: 0,
    verified: false,
    source: info,
  };
  const finish = (verified: boolean) => {
    report.verified = verified;
    report.seconds = (Date.now() - started) / 1000;
    return report;
  };
  if (local.count === info.count && local.digest === info.digest) {
    if (
      !opts.dryRun && (cp?.storeId !== storeId || cp.phase !== "done" || cp.stamp !== info.stamp)
    ) {
      await store.write([], [{
        key: CHECKPOINT(table),
        value: { storeId, phase: "done", stamp: info.stamp },
      }]);
    }
    return finish(true);
  }
  if (opts.dryRun) {
    report.action = "would-pull";
    return finish(false);
  }
  const progress: Progress = {
    table,
    records: 0,
    bytes: 0,
    totalRecords: info.count,
    totalBytes: info.bytes,
    startedMs: started,
  };
  const apply = (
    command: string,
    nextCp: (last: BulkRecord | null, header: number, end: boolean) => Checkpoint,
  ) =>
    applyBulk(store, client, table, command, nextCp, (n, b) => {
      progress.records += n;
      progress.bytes += b;
      report.records += n;
      report.bytes += b;
      opts.onProgress?.(progress);
    });

  const since = async (from: number) => {
    await apply(`SYNC ${table}|since|${from}`, (last, header, end) => ({
      storeId,
      phase: "done",
      // Records of one source commit share a stamp; resuming at stamp-1 replays the
      // whole commit, which is harmless, instead of skipping the rest of it.
      stamp: end ? header : Math.max(from, last!.stamp - 1),
    }));
  };
  const full = async (start: number | null, after: KeyPart[] | null) => {
    let startStamp = start;
    const command = after
      ? `SYNC ${table}|range|${encodeKey(after).toHex()}`
      : `SYNC ${table}|getall`;
    await apply(command, (last, header, end) => {
      startStamp ??= header;
      if (end) return { storeId, phase: "done", stamp: startStamp };
      return { storeId, phase: "full", start: startStamp, after: last!.key };
    });
    // Changes made on the source since the copy began (possible when a pull resumes in a
    // later session) arrive as ordinary changes, deletions included.
    await since(startStamp!);
  };

  if (cp && cp.storeId === storeId && cp.phase === "done") {
    report.action = "since";
    await since(cp.stamp);
  } else if (cp && cp.storeId === storeId && cp.phase === "full") {
    report.action = "resume";
    await full(cp.start, cp.after);
  } else {
    report.action = "full";
    await clearTable(store, table);
    await full(null, null);
  }
  let now = await tableInfo(client, table);
  let mine = await store.stats(table);
  if ((mine.count !== now.count || mine.digest !== now.digest) && report.action === "since") {
    // The duplicate drifted (written locally, or restored from an old backup): copy it anew.
    report.action = "full";
    await clearTable(store, table);
    await full(null, null);
    now = await tableInfo(client, table);
    mine = await store.stats(table);
  }
  report.source = now;
  return finish(mine.count === now.count && mine.digest === now.digest);
}

/** Deletes every record of a local table, in commits within KV's limits. */
async function clearTable(store: Store, table: TableName): Promise<void> {
  await store.write([], [{ key: CHECKPOINT(table), value: undefined }]);
  const writer = new BatchWriter(store);
  for await (const key of store.keys(table)) await writer.add({ table, key, value: null });
  await writer.flush();
}

/**
 * Applies one bulk reply in commits within KV's limits; each commit also stores the
 * checkpoint that says how far the table now is, so an interrupted pull resumes there.
 */
async function applyBulk(
  store: Store,
  client: CitadelClient,
  table: TableName,
  command: string,
  nextCp: (last: BulkRecord | null, header: number, end: boolean) => Checkpoint,
  onBatch: (records: number, bytes: number) => void,
): Promise<void> {
  let header = 0;
  let last: BulkRecord | null = null;
  let end = false;
  const writer = new BatchWriter(store, {
    metaFor: () => [{ key: CHECKPOINT(table), value: nextCp(last, header, end) }],
    onFlush: onBatch,
  });
  for await (const rec of readBulk(client, table, command, (h) => header = h.stamp)) {
    await writer.add({ table, key: rec.key, value: rec.value }, rec.hash);
    last = rec;
  }
  end = true;
  await writer.flush(true);
}
