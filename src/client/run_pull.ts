import { CtdlError } from "../errors.ts";
import type { Store } from "../store/store.ts";
import type { TableName } from "../store/tables.ts";
import { CitadelClient } from "./connection.ts";
import { type Progress, pull, sourceInfo, type TableReport } from "./pull.ts";

/** How to reach and hold a source. */
export interface SourceOptions {
  from: string;
  user: string;
  password: string;
  /** SNGL arguments: seconds to wait for others to leave, seconds until it expires. */
  wait?: number;
  expire?: number;
  tls?: boolean;
  caCerts?: string[];
}

/** Connects, logs in and asks for single-user mode; a source without SYNC gets 530 here. */
export async function openSource(opts: SourceOptions): Promise<CitadelClient> {
  const client = await CitadelClient.connect(opts.from, { tls: opts.tls, caCerts: opts.caCerts });
  try {
    await client.login(opts.user, opts.password);
    const r = await client.command(`SNGL ${opts.wait ?? 120}|${opts.expire ?? 500}`);
    if (r.code === 530) throw new CtdlError(530, `${opts.from} does not speak SYNC (530 to SNGL)`);
    if (Math.floor(r.code / 100) !== 2) throw new CtdlError(r.code, `SNGL refused: ${r.text}`);
    return client;
  } catch (e) {
    client.close();
    throw e;
  }
}

/** Ends single-user mode and the session, whatever state the pull ended in. */
export async function closeSource(client: CitadelClient): Promise<void> {
  try {
    await client.command("ESNG");
  } catch {
    // the connection is gone; the source's expire timer ends single-user mode
  }
  await client.quit();
}

/** The whole `pull`: login, SNGL, every table, ESNG. */
export async function runPull(
  store: Store,
  opts: SourceOptions & {
    tables?: TableName[];
    dryRun?: boolean;
    onProgress?: (p: Progress) => void;
    onTableDone?: (r: TableReport) => void;
  },
): Promise<TableReport[]> {
  const client = await openSource(opts);
  try {
    return await pull(store, client, opts);
  } finally {
    await closeSource(client);
  }
}

/** A table that differs between source and local store, as `verify` reports it. */
export interface Difference {
  table: TableName;
  source: { count: number; digest: string };
  local: { count: number; digest: string };
}

/** Compares every table's count and digest with the source, pulling nothing. */
export async function runVerify(store: Store, opts: SourceOptions): Promise<Difference[]> {
  const client = await CitadelClient.connect(opts.from, { tls: opts.tls, caCerts: opts.caCerts });
  try {
    await client.login(opts.user, opts.password);
    const { tables } = await sourceInfo(client);
    const out: Difference[] = [];
    for (const t of tables) {
      const mine = await store.stats(t.table);
      if (mine.count !== t.count || mine.digest !== t.digest) {
        out.push({
          table: t.table,
          source: { count: t.count, digest: t.digest },
          local: { count: mine.count, digest: mine.digest },
        });
      }
    }
    return out;
  } finally {
    await client.quit();
  }
}
