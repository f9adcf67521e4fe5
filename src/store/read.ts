import { CtdlError } from "../errors.ts";
import { describeKey, type KeyPart, keyShapeProblem, sameKey } from "../wire/record_key.ts";
import { getValues, valueOf } from "./blobs.ts";
import { damaged, DamageError, type Entry, readEntry, readLogRow, TOMB_MARK } from "./entry.ts";
import { type TableName, TABLES } from "./tables.ts";
import type { Change, StoredRecord } from "./types.ts";

/**
 * A record key as listed from KV, checked: a part of the wrong type (damage: this build
 * only writes strings and safe integers) becomes a CtdlError naming the table and key.
 */
export function listedKey(table: TableName, raw: Deno.KvKey): KeyPart[] {
  const key = raw.slice(2);
  const problem = keyShapeProblem(key);
  if (problem) throw damaged(table, key, problem);
  return key as KeyPart[];
}

/** Reads a record entry; damage becomes a CtdlError naming the table and key. */
export function entryOf(table: TableName, key: readonly unknown[], raw: unknown): Entry {
  try {
    return readEntry(raw);
  } catch (e) {
    if (e instanceof DamageError) throw damaged(table, key, e.message);
    throw e;
  }
}

/** One record's entry, or null. */
export async function getEntry(
  kv: Deno.Kv,
  table: TableName,
  key: KeyPart[],
): Promise<Entry | null> {
  const res = await kv.get(["r", table, ...key]);
  return res.value === null ? null : entryOf(table, key, res.value);
}

/**
 * Lists a table's records in key order. `prefix` narrows to keys starting with those
 * parts; `after` resumes after a key (exclusive). Blob values are loaded whole.
 */
export async function* listRecords(
  kv: Deno.Kv,
  table: TableName,
  opts: { prefix?: KeyPart[]; after?: KeyPart[]; reverse?: boolean; limit?: number },
): AsyncGenerator<StoredRecord> {
  const prefix = ["r", table, ...(opts.prefix ?? [])];
  // KV's `start` is inclusive, so resuming "after" a key starts at it and skips it.
  const selector: Deno.KvListSelector = opts.after
    ? opts.reverse
      ? { prefix, end: ["r", table, ...opts.after] }
      : { prefix, start: ["r", table, ...opts.after] }
    : { prefix };
  const iter = kv.list(selector, { batchSize: 500, reverse: opts.reverse });
  let n = 0;
  for await (const res of iter) {
    const key = listedKey(table, res.key);
    if (opts.after && sameKey(key, opts.after)) continue;
    if (opts.limit !== undefined && n++ >= opts.limit) return;
    const e = entryOf(table, key, res.value);
    yield { key, value: await valueOf(kv, e), stamp: e.s, hash: e.h };
  }
}

/**
 * Everything that changed in a table after stamp `since` (up to `upTo`, inclusive), in
 * stamp order: live records and tombstones. A range read over the table's change log, not
 * a scan of the table.
 */
export async function* listChanges(
  kv: Deno.Kv,
  table: TableName,
  since: number,
  upTo = Number.MAX_SAFE_INTEGER - 1,
): AsyncGenerator<Change> {
  const iter = kv.list(
    { start: ["l", table, since + 1], end: ["l", table, upTo + 1] },
    { batchSize: 100 },
  );
  for await (const res of iter) {
    const stamp = res.key[2];
    const g = res.key[3];
    if (typeof stamp !== "number" || typeof g !== "number") {
      throw logDamage(table, res.key, "log key is not [stamp, row]");
    }
    let row: string[];
    try {
      row = readLogRow(res.value);
    } catch (e) {
      throw logDamage(table, res.key, (e as Error).message);
    }
    const items = row.map((text) => {
      const dead = text.startsWith(TOMB_MARK);
      return { dead, key: logKey(table, res.key, dead ? text.slice(1) : text) };
    });
    const live = items.filter((it) => !it.dead);
    const entries = await getValues<unknown>(kv, live.map((it) => ["r", table, ...it.key]));
    let j = 0;
    for (const it of items) {
      if (it.dead) {
        yield { key: it.key, stamp, value: null };
        continue;
      }
      const raw = entries[j++];
      if (raw === null) continue;
      const entry = entryOf(table, it.key, raw);
      // A record rewritten after this row was listed shows up again later in the log
      // under its new stamp; skip the stale sighting.
      if (entry.s !== stamp || entry.g !== g) continue;
      yield { key: it.key, stamp, value: await valueOf(kv, entry), hash: entry.h };
    }
  }
}

/** Parses one key text of a log row; damage names the row. */
export function logKey(table: TableName, rowKey: Deno.KvKey, text: string): KeyPart[] {
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    throw logDamage(table, rowKey, `entry ${JSON.stringify(text.slice(0, 60))} is not a key`);
  }
  const problem = keyShapeProblem(key);
  if (problem) throw logDamage(table, rowKey, problem);
  return key as KeyPart[];
}

/** The CtdlError for a damaged change-log row, naming table, stamp and row. */
export function logDamage(table: TableName, rowKey: Deno.KvKey, why: string): CtdlError {
  return new CtdlError(
    510,
    `store is damaged: table ${table}, change log ${describeKey(rowKey.slice(2))}: ${why}`,
  );
}

/** Decodes a record with its table's codec; a failure names table and key. */
export function decodeOrThrow<T>(table: TableName, key: KeyPart[], bytes: Uint8Array): T {
  try {
    return TABLES[table].codec.decode(bytes) as T;
  } catch (e) {
    throw new CtdlError(
      510,
      `corrupt record in table ${table}, key ${describeKey(key)}: ${(e as Error).message}`,
    );
  }
}
