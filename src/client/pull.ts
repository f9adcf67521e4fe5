import { encodeKey, type KeyPart } from "../wire/record_key.ts";
import { BatchWriter, Inflight } from "../store/batch_writer.ts";
import type { Store } from "../store/store.ts";
import { TABLE_NAMES, type TableName } from "../store/tables.ts";
import { type BulkRecord, readBulk, readBulkBatches } from "./bulk_reader.ts";
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

/** One `SYNC all|info` listing: the source's store id, its stamp (read after the lines). */
export interface SourceListing {
  storeId: string;
  stamp: number;
  tables: SourceInfo[];
}

/**
 * Where a table's pull stands, stored in the same commit as the records it covers:
 * `done` means everything up to source stamp `stamp` is here; `full` means a full copy is
 * under way, records up to key `after` are here, and changes since `start` follow.
 */
export type Checkpoint =
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

/** Progress of the whole pull, for the terminal display. */
export interface Progress {
  table: TableName;
  /** Table k of N. */
  index: number;
  of: number;
  /** This table: records and bytes here (a resumed table counts from where it resumed). */
  records: number;
  bytes: number;
  totalRecords: number;
  totalBytes: number;
  /** The whole pull: bytes here of those expected, and bytes that were here at the start. */
  overallBytes: number;
  overallTotalBytes: number;
  overallBaseBytes: number;
  startedMs: number;
}

/** Called after each commit of pulled records. */
export type OnProgress = (p: Progress) => void;

const CHECKPOINT = (t: TableName) => ["checkpoint", t];

/** Reads a table's checkpoint. */
export function checkpointOf(store: Store, table: TableName): Promise<Checkpoint | null> {
  return store.getMeta<Checkpoint>(CHECKPOINT(table));
}

/** Asks for and parses the `SYNC all|info` listing; mid-pull, any failure is a TransferError. */
export async function sourceInfo(client: CitadelClient): Promise<SourceListing> {
  try {
    const { reply, lines } = await client.listing("SYNC all|info");
    return parseListing(reply.text, lines);
  } catch (e) {
    if (e instanceof TransferError) throw e;
    throw new TransferError(`SYNC all|info: ${(e as Error).message}`);
  }
}

/** Parses a `SYNC all|info` reply text and lines. */
export function parseListing(text: string, lines: string[]): SourceListing {
  const [storeId, stamp] = text.split("|");
  return { storeId, stamp: Number(stamp) || 0, tables: lines.map(parseInfoLine) };
}

function parseInfoLine(line: string): SourceInfo {
  const [table, count, digest, stamp, bytes] = line.split("|");
  if (!TABLE_NAMES.includes(table as TableName) || !/^[0-9a-f]{16}$/.test(digest ?? "")) {
    throw new TransferError(`unexpected info line '${line}'`);
  }
  return { table: table as TableName, count: +count, digest, stamp: +stamp, bytes: +bytes };
}

/** How a table starts: what the local store and its checkpoint say about it. */
export async function plan(
  store: Store,
  storeId: string,
  info: SourceInfo,
): Promise<{ action: TableReport["action"]; haveRecords: number; haveBytes: number }> {
  const local = await store.stats(info.table);
  const cp = await checkpointOf(store, info.table);
  if (local.count === info.count && local.digest === info.digest) {
    return { action: "skipped", haveRecords: local.count, haveBytes: local.bytes };
  }
  if (cp?.storeId === storeId && cp.phase === "done") {
    return { action: "since", haveRecords: local.count, haveBytes: local.bytes };
  }
  if (cp?.storeId === storeId && cp.phase === "full") {
    return { action: "resume", haveRecords: local.count, haveBytes: local.bytes };
  }
  return { action: "full", haveRecords: 0, haveBytes: 0 };
}

/**
 * Copies tables from a SYNC source into a store while the source keeps working. A full
 * copy (`getall`, or `range` to resume one) is followed by `since` its first header's
 * stamp, which brings every write made meanwhile, deletions included; `catchUp` repeats
 * `since` from the checkpoint. Each commit stores the checkpoint with its records.
 */
export class TableCopier {
  readonly store: Store;
  readonly client: CitadelClient;
  readonly storeId: string;
  #onBatch: (table: TableName, records: number, bytes: number) => void;
  /**
   * Commits of every table share one queue: a table's last batches land while the next
   * reply is read and decoded, and once one fails no later one commits (so no checkpoint
   * ever passes a lost batch).
   */
  #inflight = new Inflight();

  constructor(
    store: Store,
    client: CitadelClient,
    storeId: string,
    onBatch: (table: TableName, records: number, bytes: number) => void,
  ) {
    this.store = store;
    this.client = client;
    this.storeId = storeId;
    this.#onBatch = onBatch;
  }

  /** Brings one table up to date by `action` (from `plan`). */
  async start(info: SourceInfo, action: TableReport["action"]): Promise<void> {
    const table = info.table;
    const cp = await checkpointOf(this.store, table);
    if (action === "skipped") {
      if (cp?.storeId !== this.storeId || cp.phase !== "done" || cp.stamp !== info.stamp) {
        await this.store.write([], [{
          key: CHECKPOINT(table),
          value: { storeId: this.storeId, phase: "done", stamp: info.stamp },
        }]);
      }
    } else if (action === "since") await this.catchUp(table);
    else if (action === "resume" && cp?.phase === "full") {
      await this.#full(table, cp.start, cp.after);
    } else await this.recopy(table);
  }

  /**
   * Waits until every commit started has landed; throws the first that failed. Before the
   * local store is read (counts, digests, checkpoints), the copy must be settled.
   */
  settle(): Promise<void> {
    return this.#inflight.settle();
  }

  /** Applies what changed on the source since the table's checkpoint (settled first). */
  async catchUp(table: TableName): Promise<void> {
    await this.settle();
    const cp = await checkpointOf(this.store, table);
    if (cp?.storeId !== this.storeId || cp.phase !== "done") {
      throw new TransferError(`${table}: no checkpoint to catch up from`);
    }
    await this.#since(table, cp.stamp);
  }

  /** Deletes the local table and copies it anew. */
  async recopy(table: TableName): Promise<void> {
    await this.settle();
    await clearTable(this.store, table);
    await this.#full(table, null, null);
  }

  async #since(table: TableName, from: number): Promise<void> {
    await this.#apply(table, `SYNC ${table}|since|${from}`, (last, header, end) => ({
      storeId: this.storeId,
      phase: "done",
      // Records of one source commit share a stamp; resuming at stamp-1 replays the
      // whole commit, which is harmless, instead of skipping the rest of it.
      stamp: end ? header : Math.max(from, last!.stamp - 1),
    }));
  }

  async #full(table: TableName, start: number | null, after: KeyPart[] | null): Promise<void> {
    let startStamp = start;
    const command = after
      ? `SYNC ${table}|range|${encodeKey(after).toHex()}`
      : `SYNC ${table}|getall`;
    await this.#apply(table, command, (last, header, end) => {
      startStamp ??= header;
      if (end) return { storeId: this.storeId, phase: "done", stamp: startStamp };
      return { storeId: this.storeId, phase: "full", start: startStamp, after: last!.key };
    });
    // What the source changed while the copy ran (or since an interrupted copy began)
    // arrives as ordinary changes, deletions included.
    await this.#since(table, startStamp!);
  }

  /**
   * Applies one bulk reply in commits within KV's limits; each commit also stores the
   * checkpoint that says how far the table now is, so an interrupted pull resumes there.
   * Returns once the last commit is handed to the store: it lands while the next reply is
   * read (`settle` waits for it).
   */
  async #apply(
    table: TableName,
    command: string,
    nextCp: (last: BulkRecord | null, header: number, end: boolean) => Checkpoint,
  ): Promise<void> {
    let header = 0;
    let last: BulkRecord | null = null;
    let end = false;
    const writer = new BatchWriter(this.store, {
      metaFor: () => [{ key: CHECKPOINT(table), value: nextCp(last, header, end) }],
      onFlush: (n, b) => this.#onBatch(table, n, b),
      inflight: this.#inflight,
    });
    try {
      const batches = readBulkBatches(this.client, table, command, (h) => header = h.stamp);
      for await (const batch of batches) {
        for (const rec of batch) {
          // A promise only when a commit starts: records are added without a wait each.
          const started = writer.add({ table, key: rec.key, value: rec.value }, rec.known);
          if (started) await started;
          last = rec;
        }
      }
    } catch (e) {
      // Records that arrived whole (every chunk passed its CRC) are kept, with the
      // checkpoint at the last of them: a rerun resumes there, not a whole batch earlier.
      if (e instanceof TransferError) await writer.flush().catch(() => {});
      throw e;
    }
    end = true;
    await writer.end(true);
  }
}

/** Counts what a `since` from the table's checkpoint would move, storing nothing. */
export async function countSince(
  client: CitadelClient,
  table: TableName,
  from: number,
): Promise<{ records: number; bytes: number }> {
  let records = 0;
  let bytes = 0;
  for await (const rec of readBulk(client, table, `SYNC ${table}|since|${from}`, () => {})) {
    records++;
    bytes += rec.value?.length ?? 0;
  }
  return { records, bytes };
}

/** Deletes every record of a local table, in commits within KV's limits. */
async function clearTable(store: Store, table: TableName): Promise<void> {
  await store.write([], [{ key: CHECKPOINT(table), value: undefined }]);
  const writer = new BatchWriter(store);
  for await (const key of store.keys(table)) await writer.add({ table, key, value: null });
  await writer.flush();
}
