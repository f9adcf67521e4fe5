/**
 * The change log of every table merged into one stream in stamp order: what a live
 * replica needs to follow a store commit by commit.
 *
 * @module
 */
import type { Change, Store } from "./store.ts";
import { TABLE_NAMES, type TableName } from "./tables.ts";

/** A change of one record, with the table it belongs to. */
export interface TableChange extends Change {
  table: TableName;
}

/**
 * Every change after stamp `since` up to `upTo` (inclusive), across all tables, in stamp
 * order (records of one commit share a stamp and come together).
 *
 * `upTo` must be a stamp that was already committed when the call began: then every log
 * entry up to it exists, and a record rewritten meanwhile is skipped here and shows up
 * under its new, higher stamp in a later call. Bounding each read this way is what lets a
 * follower store "done up to stamp S" without missing a commit of a table read earlier.
 */
export async function* changesAcross(
  store: Store,
  since: number,
  upTo: number,
): AsyncGenerator<TableChange> {
  // Only tables written after `since` need a log read: one getMany per ten tables.
  const his = await highStamps(store);
  const iters = TABLE_NAMES.filter((t) => his[t] > since).map((t) => ({
    table: t,
    it: store.changes(t, since, upTo)[Symbol.asyncIterator](),
  }));
  const heads = await Promise.all(iters.map((x) => x.it.next()));
  while (true) {
    let best = -1;
    for (let j = 0; j < heads.length; j++) {
      const h = heads[j];
      if (!h.done && (best < 0 || h.value.stamp < (heads[best].value as Change).stamp)) best = j;
    }
    if (best < 0) return;
    yield { ...(heads[best].value as Change), table: iters[best].table };
    heads[best] = await iters[best].it.next();
  }
}

/** The highest stamp written in each table (the store's `["m","hi",table]` counters). */
async function highStamps(store: Store): Promise<Record<TableName, number>> {
  const out = {} as Record<TableName, number>;
  for (let p = 0; p < TABLE_NAMES.length; p += 10) {
    const names = TABLE_NAMES.slice(p, p + 10);
    const got = await store.kv.getMany<Deno.KvU64[]>(names.map((t) => ["m", "hi", t]));
    names.forEach((t, j) => out[t] = Number(got[j].value?.value ?? 0n));
  }
  return out;
}
