/**
 * Whether a store may be replaced by a pull from a source: a store holding another
 * source's data, an import or a seed needs `--force`.
 *
 * @module
 */
import { NoSyncError, openSource, probeSync } from "../client/run_pull.ts";
import { readOrigin } from "../store/origin.ts";
import type { Store } from "../store/store.ts";
import { TABLE_NAMES } from "../store/tables.ts";
import { UsageError } from "./args.ts";
import type { SourceOpts } from "./source.ts";

/** The source store's id, from the SYNC probe (to check a store's origin). */
async function sourceStoreId(opts: SourceOpts): Promise<string> {
  const client = await openSource(opts, "ctdlsync pull");
  try {
    return (await probeSync(client, opts.from)).storeId;
  } catch (e) {
    if (e instanceof NoSyncError) return ""; // no SYNC: the fallback pull
    throw e;
  } finally {
    await client.quit();
  }
}

/**
 * Refuses to replace a store that holds data from elsewhere (another source, an import, a
 * seed) unless `--force` says so.
 */
export async function checkOrigin(store: Store, opts: SourceOpts, force: boolean): Promise<void> {
  if (force || await store.stamp() === 0) return;
  // A store pulled before origins were recorded still names its source in its checkpoints.
  const origin = await readOrigin(store) ??
    await pulledStoreId(store).then((id) => id ? { source: "an earlier pull", storeId: id } : null);
  if (origin && origin.source === opts.from && !origin.storeId) return;
  if (origin?.storeId) {
    const id = await sourceStoreId(opts);
    if (id === origin.storeId || (id === "" && origin.source === opts.from)) return;
  }
  const what = origin
    ? `${origin.source}${origin.storeId ? ` (store ${origin.storeId})` : ""}`
    : "local data (seeded or written here)";
  throw new UsageError(
    `${store.path.replace(/\/ctdlsync\.kv$/, "")} holds ${what}, ` +
      `not a copy of ${opts.from}; --force replaces it`,
  );
}

/** The source's store id as the pull's checkpoints recorded it ("" for a fallback pull). */
export async function pulledStoreId(store: Store): Promise<string> {
  for (const t of TABLE_NAMES) {
    const cp = await store.getMeta<{ storeId: string }>(["checkpoint", t]);
    if (cp?.storeId) return cp.storeId;
  }
  return "";
}
