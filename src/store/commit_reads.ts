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
 * of ascending keys of one table, often into an empty range; one bounded range read
 * answers those far faster than a point read per key.
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
  const keys = ops.map((op) => [space, op.table, ...op.key] as Deno.KvKey);
  const ascending = ops.length >= 16 &&
    ops.every((op, j) =>
      op.table === ops[0].table && (j === 0 || compareKeys(ops[j - 1].key, op.key) < 0)
    );
  if (ascending) {
    const found = new Map<string, unknown>();
    const limit = ops.length * 2;
    const iter = kv.list(
      { start: keys[0], end: [...keys[keys.length - 1], new Uint8Array(0)] },
      { limit: limit + 1, batchSize: Math.min(limit + 1, 1000) },
    );
    let n = 0;
    for await (const r of iter) {
      if (++n > limit) break;
      found.set(keyText(r.key.slice(2)), r.value);
    }
    if (n <= limit) return ops.map((op) => safe(found.get(op.text)));
  }
  return (await getValues<unknown>(kv, keys)).map(safe);
}
