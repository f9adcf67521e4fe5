/**
 * The online pull: every table copied while the source keeps working, then caught up and
 * verified in rounds until the copy and the source agree.
 *
 * Verification has to tell a copy that is wrong from one that is merely behind. After a
 * `since` from checkpoint stamp C, every change up to C is here; so when the source's
 * table stamp is still <= C and the digests differ, the copy is wrong (it is copied
 * anew, once), and when the table stamp is above C, writes landed meanwhile (catch up
 * again). The copy is called identical when consecutive `SYNC all|info` listings agree
 * with it and with each other: then no table changed between the listings, so the copy
 * equals the source as of the first one's stamp.
 *
 * @module
 */

import type { Store } from "../store/store.ts";
import type { TableName } from "../store/tables.ts";
import { TransferError } from "./transfer_error.ts";
import type { CitadelClient } from "./connection.ts";
import {
  checkpointOf,
  type OnProgress,
  plan,
  type Progress,
  sourceInfo,
  type SourceListing,
  TableCopier,
  type TableReport,
} from "./pull.ts";

/** One pull's working state. */
export class PullState {
  readonly store: Store;
  readonly client: CitadelClient;
  readonly storeId: string;
  readonly wanted: TableName[];
  readonly reports = new Map<TableName, TableReport>();
  readonly copier: TableCopier;
  readonly progress: Progress;
  #onProgress?: OnProgress;

  constructor(
    store: Store,
    client: CitadelClient,
    listing: SourceListing,
    wanted: TableName[],
    onProgress?: OnProgress,
  ) {
    this.store = store;
    this.client = client;
    this.storeId = listing.storeId;
    this.wanted = listing.tables.map((t) => t.table).filter((t) => wanted.includes(t));
    this.#onProgress = onProgress;
    const startedMs = Date.now();
    this.progress = {
      table: this.wanted[0] ?? "config",
      index: 0,
      of: this.wanted.length,
      records: 0,
      bytes: 0,
      totalRecords: 0,
      totalBytes: 0,
      overallBytes: 0,
      overallTotalBytes: 0,
      overallBaseBytes: 0,
      startedMs,
    };
    for (const info of listing.tables) {
      if (!this.wanted.includes(info.table)) continue;
      this.reports.set(info.table, {
        table: info.table,
        action: "skipped",
        records: 0,
        bytes: 0,
        seconds: 0,
        verified: false,
        source: info,
      });
    }
    this.copier = new TableCopier(store, client, this.storeId, (table, n, b) => {
      const r = this.reports.get(table)!;
      r.records += n;
      r.bytes += b;
      const p = this.progress;
      // A table's last commits may land while the next table is read: they count for the
      // whole pull, not for the table now shown.
      if (table === p.table) {
        p.records += n;
        p.bytes += b;
      }
      p.overallBytes += b;
      p.overallTotalBytes = Math.max(p.overallTotalBytes, p.overallBytes);
      this.#onProgress?.(p);
    });
  }

  /** Runs `fn` for `table`, adding its time to the table's report. */
  async timed(table: TableName, fn: () => Promise<void>): Promise<void> {
    const t = performance.now();
    try {
      await fn();
    } finally {
      this.reports.get(table)!.seconds += (performance.now() - t) / 1000;
    }
  }
}

/**
 * The first pass: each wanted table skipped, caught up, resumed or copied in full, while
 * the source keeps working. Progress counts a resumed table from where it resumed.
 */
export async function copyAll(
  st: PullState,
  listing: SourceListing,
  onTableDone?: (r: TableReport) => void | Promise<void>,
): Promise<void> {
  const plans = new Map<TableName, Awaited<ReturnType<typeof plan>>>();
  const p = st.progress;
  for (const info of listing.tables) {
    if (!st.wanted.includes(info.table)) continue;
    const pl = await plan(st.store, st.storeId, info);
    plans.set(info.table, pl);
    if (pl.action === "full") p.overallTotalBytes += info.bytes;
    if (pl.action === "resume") {
      p.overallTotalBytes += info.bytes;
      p.overallBytes += pl.haveBytes;
      p.overallBaseBytes += pl.haveBytes;
    }
  }
  for (const info of listing.tables) {
    const pl = plans.get(info.table);
    if (!pl) continue;
    const r = st.reports.get(info.table)!;
    r.action = pl.action;
    Object.assign(p, {
      table: info.table,
      index: st.wanted.indexOf(info.table) + 1,
      records: pl.action === "resume" ? pl.haveRecords : 0,
      bytes: pl.action === "resume" ? pl.haveBytes : 0,
      totalRecords: info.count,
      totalBytes: info.bytes,
    });
    await st.timed(info.table, () => st.copier.start(info, pl.action));
    await onTableDone?.(r);
  }
}

/** How the rounds ended. */
export interface Convergence {
  identical: boolean;
  /** The source stamp the copy is identical as of (when identical). */
  stamp: number;
  rounds: number;
  /** Why not identical, in one line. */
  problem?: string;
  /** A table differs though nothing landed on it: more rounds (or a cutover) cannot help. */
  wrong?: boolean;
}

/**
 * Catch-up rounds: list the source, catch up the tables that are behind, copy anew a table
 * that differs though nothing landed on it, until `confirmations` listings in a row agree
 * with the copy (and with each other), or `maxRounds` listings have been read and
 * `keepUpMs` have passed since the first: on a loaded machine a round can take longer than
 * the gap between two writes, so a count alone gives up on a source that a little more
 * time would catch. A table that is wrong (differs though nothing landed) ends it at once.
 */
export async function converge(
  st: PullState,
  maxRounds: number,
  confirmations: number,
  keepUpMs = 0,
): Promise<Convergence> {
  const redone = new Set<TableName>();
  let agreeing: SourceListing[] = [];
  let behind: TableName[] = [];
  const deadline = Date.now() + keepUpMs;
  let round = 0;
  while (round < maxRounds || Date.now() < deadline) {
    round++;
    // The listing is asked for while the last commits land; the store is read once they have.
    const asked = sourceInfo(st.client);
    await Promise.all([asked, st.copier.settle()]);
    const listing = await asked;
    if (listing.storeId !== st.storeId) {
      throw new TransferError("the source's store id changed during the pull");
    }
    behind = [];
    const differ: TableName[] = [];
    for (const info of listing.tables) {
      const r = st.reports.get(info.table);
      if (!r) continue;
      r.source = info;
      const local = await st.store.stats(info.table);
      r.verified = local.count === info.count && local.digest === info.digest;
      if (r.verified) continue;
      const cp = await checkpointOf(st.store, info.table);
      const caughtUp = cp?.phase === "done" && cp.storeId === st.storeId;
      if (caughtUp && info.stamp > cp.stamp) behind.push(info.table);
      else differ.push(info.table);
    }
    if (behind.length === 0 && differ.length === 0) {
      if (agreeing.length > 0 && !sameTables(st, agreeing[0], listing)) agreeing = [];
      agreeing.push(listing);
      if (agreeing.length >= confirmations) {
        return { identical: true, stamp: agreeing[0].stamp, rounds: round };
      }
      continue;
    }
    agreeing = [];
    for (const table of differ) {
      if (redone.has(table)) {
        return {
          identical: false,
          stamp: 0,
          rounds: round,
          problem: `${table} still differs from the source after a full copy`,
          wrong: true,
        };
      }
      redone.add(table);
      const r = st.reports.get(table)!;
      r.action = "full";
      await st.timed(table, () => st.copier.recopy(table));
    }
    for (const table of behind) {
      const r = st.reports.get(table)!;
      if (r.action === "skipped") r.action = "since";
      await st.timed(table, () => st.copier.catchUp(table));
    }
  }
  return {
    identical: false,
    stamp: 0,
    rounds: round,
    problem: behind.length > 0
      ? `the source changed faster than the pull could follow: ${behind.join(", ")} still ` +
        `behind after ${round} rounds; run again when it is quieter, or use --cutover`
      : `the source kept changing between checks for ${round} rounds; run again`,
  };
}

/** True when the wanted tables read the same (count, digest, stamp) in both listings. */
function sameTables(st: PullState, a: SourceListing, b: SourceListing): boolean {
  const key = (l: SourceListing) =>
    l.tables.filter((t) => st.reports.has(t.table))
      .map((t) => `${t.table}|${t.count}|${t.digest}|${t.stamp}`).join("\n");
  return key(a) === key(b);
}
