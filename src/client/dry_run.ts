import type { Store } from "../store/store.ts";
import type { TableName } from "../store/tables.ts";
import { TransferError } from "./transfer_error.ts";
import type { CitadelClient } from "./connection.ts";
import { checkpointOf, countSince, plan, type SourceListing, type TableReport } from "./pull.ts";
import type { PullResult } from "./run_pull.ts";

/** What a pull would move, table by table; reads the source, writes nothing. */
export async function dryRun(
  store: Store | null,
  client: CitadelClient,
  listing: SourceListing,
  wanted: readonly TableName[],
  host: string,
  started: number,
): Promise<PullResult> {
  const tables: TableReport[] = [];
  for (const info of listing.tables) {
    if (!wanted.includes(info.table)) continue;
    const t = performance.now();
    const pl = store
      ? await plan(store, listing.storeId, info)
      : { action: "full" as const, haveRecords: 0, haveBytes: 0 };
    let move = { records: 0, bytes: 0 };
    if (pl.action === "full") move = { records: info.count, bytes: info.bytes };
    if (pl.action === "resume") {
      move = {
        records: Math.max(info.count - pl.haveRecords, 0),
        bytes: Math.max(info.bytes - pl.haveBytes, 0),
      };
    }
    if (pl.action === "since") {
      const cp = await checkpointOf(store!, info.table);
      if (cp?.phase !== "done") throw new TransferError(`${info.table}: checkpoint changed`);
      move = await countSince(client, info.table, cp.stamp);
    }
    tables.push({
      table: info.table,
      action: pl.action === "skipped" ? "skipped" : "would-pull",
      ...move,
      seconds: (performance.now() - t) / 1000,
      verified: pl.action === "skipped",
      source: info,
    });
  }
  return {
    host,
    tables,
    identical: tables.every((r) => r.action === "skipped"),
    stamp: listing.stamp,
    records: tables.reduce((n, r) => n + r.records, 0),
    bytes: tables.reduce((n, r) => n + r.bytes, 0),
    seconds: (performance.now() - started) / 1000,
    rounds: 0,
    dryRun: true,
  };
}
