import { compareKeys } from "../wire/record_key.ts";
import { getValues } from "./blobs.ts";
import { DamageError, type LogRow, readLogRow } from "./entry.ts";
import type { PreparedOp } from "./commit.ts";

/*
 * What a commit reads before it is built: the entries its records replace, and the older
 * change-log rows it edits.
 */

/**
 * Takes the entries of rewritten or deleted records out of their older log rows, so the
 * log holds exactly one entry per live record or tombstone. Returns the mutations added.
 * A row that is missing or lacks the entry is damage `stats --verify` reports; the write
 * goes on.
 */
export async function dropFromRows(
  kv: Deno.Kv,
  atomic: Deno.AtomicOperation,
  drops: Map<string, { key: Deno.KvKey; texts: Set<string> }>,
): Promise<number> {
  if (drops.size === 0) return 0;
  const all = [...drops.values()];
  const rows = await getValues<unknown>(kv, all.map((d) => d.key));
  all.forEach((d, j) => {
    let row: LogRow;
    try {
      row = readLogRow(rows[j]);
    } catch {
      row = [];
    }
    const kept = row.filter((t) => !d.texts.has(t));
    if (kept.length === 0) atomic.delete(d.key);
    else atomic.set(d.key, kept);
  });
  return all.length;
}

/** A listed key's JSON text; a damaged key (a part KV allows but keys never have) gets "". */
function keyText(parts: Deno.KvKeyPart[]): string {
  return parts.every((p) => typeof p === "string" || typeof p === "number")
    ? JSON.stringify(parts)
    : "";
}

/**
 * The current entries under `space` ("r" records, "t" tombstones) for the ops' keys, read
 * with `read` (a damaged one reads as absent, to be overwritten). A bulk load writes runs
 * of keys of a few tables (a message, its metadata, its list entries ...), often into an
 * empty range: the ops are grouped by table and each group's keys sorted, and one bounded
 * range read per group answers those far faster than a point read per key. A group whose
 * range holds too many other records falls back to point reads.
 */
export async function existing<T>(
  kv: Deno.Kv,
  space: "r" | "t",
  ops: PreparedOp[],
  read: (raw: unknown) => T,
): Promise<(T | null)[]> {
  const safe = (raw: unknown) => {
    if (raw === null || raw === undefined) return null;
    try {
      return read(raw);
    } catch (e) {
      if (e instanceof DamageError) return null;
      throw e;
    }
  };
  const groups = new Map<string, number[]>();
  ops.forEach((op, j) => {
    const g = groups.get(op.table);
    if (g) g.push(j);
    else groups.set(op.table, [j]);
  });
  const found: unknown[] = new Array(ops.length).fill(null);
  await Promise.all([...groups.values()].map(async (idx) => {
    idx.sort((a, b) => compareKeys(ops[a].key, ops[b].key));
    const keys = idx.map((j) => [space, ops[j].table, ...ops[j].key] as Deno.KvKey);
    if (idx.length >= 16) {
      const inRange = await rangeRead(kv, keys);
      if (inRange) {
        idx.forEach((j) => found[j] = inRange.get(ops[j].text) ?? null);
        return;
      }
    }
    const values = await getValues<unknown>(kv, keys);
    idx.forEach((j, n) => found[j] = values[n]);
  }));
  return found.map(safe);
}

/**
 * The entries between the first and last of `keys` (sorted), by key text, when the range
 * holds at most twice as many entries as keys; otherwise null (point reads are cheaper).
 */
async function rangeRead(
  kv: Deno.Kv,
  keys: Deno.KvKey[],
): Promise<Map<string, unknown> | null> {
  const found = new Map<string, unknown>();
  const limit = keys.length * 2;
  const iter = kv.list(
    { start: keys[0], end: [...keys[keys.length - 1], new Uint8Array(0)] },
    { limit: limit + 1, batchSize: Math.min(limit + 1, 1000) },
  );
  let n = 0;
  for await (const r of iter) {
    if (++n > limit) return null;
    found.set(keyText(r.key.slice(2)), r.value);
  }
  return found;
}
