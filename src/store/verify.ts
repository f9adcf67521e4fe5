import { addToDigest, digestHex } from "../wire/digest.ts";
import { recordHash } from "../wire/record_hash.ts";
import { describeKey, keyShapeProblem } from "../wire/record_key.ts";
import { getValues, valueOf } from "./blobs.ts";
import { DamageError, type Entry, readEntry, readLogRow, readTomb, TOMB_MARK } from "./entry.ts";
import { TABLE_NAMES, type TableName, TABLES } from "./tables.ts";
import type { TableStats } from "./types.ts";

/** What `stats --verify` found: the kept counters, and every problem by table and key. */
export interface VerifyReport {
  tables: TableStats[];
  problems: string[];
}

interface VerifiedStore {
  kv: Deno.Kv;
  stats(table: TableName): Promise<TableStats>;
}

/**
 * Checks every table of a store: each record's entry, value (its codec decodes it), hash
 * and change-log entry; each tombstone's log entry; each log entry, that it points at a
 * record or tombstone that agrees (same stamp and row); and the kept count, digest and
 * bytes against a recount. Damage is collected as text, never thrown.
 */
export async function verifyStore(store: VerifiedStore, max: number): Promise<VerifyReport> {
  const problems: string[] = [];
  const note = (table: string, key: readonly unknown[], why: string) => {
    if (problems.length < max) problems.push(`table ${table}, key ${describeKey(key)}: ${why}`);
  };
  const tables: TableStats[] = [];
  for (const table of TABLE_NAMES) {
    const rows = new RowCache(store.kv, table);
    const sum = await checkRecords(store.kv, table, rows, note);
    await checkTombstones(store.kv, table, rows, note);
    await checkLog(store.kv, table, note);
    const kept = await store.stats(table);
    if (kept.count !== sum.count || kept.digest !== digestHex(sum.digest)) {
      problems.push(
        `table ${table}: counters say ${kept.count} records/${kept.digest}, records give ${sum.count}/${
          digestHex(sum.digest)
        }`,
      );
    } else if (kept.bytes !== sum.bytes) {
      problems.push(`table ${table}: counters say ${kept.bytes} bytes, records give ${sum.bytes}`);
    }
    tables.push(kept);
  }
  return { tables, problems };
}

type Note = (table: string, key: readonly unknown[], why: string) => void;

async function checkRecords(kv: Deno.Kv, table: TableName, rows: RowCache, note: Note) {
  const sum = { count: 0, digest: 0n, bytes: 0 };
  for await (const res of kv.list({ prefix: ["r", table] }, { batchSize: 500 })) {
    const key = res.key.slice(2);
    const bad = keyShapeProblem(key);
    if (bad) {
      note(table, key, bad);
      continue;
    }
    let e: Entry;
    let value: Uint8Array;
    try {
      e = readEntry(res.value);
      value = await valueOf(kv, e);
    } catch (err) {
      note(table, key, (err as Error).message);
      continue;
    }
    const text = JSON.stringify(key);
    const h = recordHash(new TextEncoder().encode(text), value);
    if (h !== e.h) note(table, key, "value does not match its hash");
    try {
      TABLES[table].codec.decode(value);
    } catch (err) {
      note(table, key, `value does not decode: ${(err as Error).message}`);
    }
    if (!(await rows.has(e.s, e.g, text))) {
      note(table, key, `no change-log entry at stamp ${e.s} (row ${e.g})`);
    }
    sum.count++;
    sum.digest = addToDigest(sum.digest, e.h);
    sum.bytes += e.n;
  }
  return sum;
}

async function checkTombstones(kv: Deno.Kv, table: TableName, rows: RowCache, note: Note) {
  for await (const res of kv.list({ prefix: ["t", table] }, { batchSize: 500 })) {
    const key = res.key.slice(2);
    const bad = keyShapeProblem(key);
    if (bad) {
      note(table, key, `tombstone: ${bad}`);
      continue;
    }
    try {
      const t = readTomb(res.value);
      if (!(await rows.has(t.s, t.g, TOMB_MARK + JSON.stringify(key)))) {
        note(table, key, `tombstone has no change-log entry at stamp ${t.s} (row ${t.g})`);
      }
    } catch (err) {
      note(table, key, (err as Error).message);
    }
  }
}

/** Each log entry must point at a record (or tombstone) whose entry names this row. */
async function checkLog(kv: Deno.Kv, table: TableName, note: Note) {
  for await (const res of kv.list({ prefix: ["l", table] }, { batchSize: 100 })) {
    const [s, g] = res.key.slice(2);
    const at = `change log [${describeKey(res.key.slice(2)).slice(1, -1)}]`;
    if (typeof s !== "number" || typeof g !== "number" || res.key.length !== 4) {
      note(table, res.key.slice(2), "change-log key is not [stamp, row]");
      continue;
    }
    let row: string[];
    try {
      row = readLogRow(res.value);
    } catch (err) {
      note(table, [s, g], `${at}: ${(err as Error).message}`);
      continue;
    }
    if (new Set(row).size !== row.length) note(table, [s, g], `${at}: a key appears twice`);
    const items: { dead: boolean; key: unknown[] }[] = [];
    for (const text of row) {
      const dead = text.startsWith(TOMB_MARK);
      let key: unknown;
      try {
        key = JSON.parse(dead ? text.slice(1) : text);
      } catch {
        key = null;
      }
      const bad = keyShapeProblem(key);
      if (bad) note(table, [s, g], `${at}: entry ${JSON.stringify(text.slice(0, 60))}: ${bad}`);
      else items.push({ dead, key: key as unknown[] });
    }
    const found = await getValues<unknown>(
      kv,
      items.map((it) => [it.dead ? "t" : "r", table, ...(it.key as Deno.KvKey)]),
    );
    items.forEach((it, j) => {
      const what = it.dead ? "tombstone" : "record";
      if (found[j] === null) {
        note(table, it.key, `${at} names a ${what} that does not exist`);
        return;
      }
      try {
        const e = it.dead ? readTomb(found[j]) : readEntry(found[j]);
        if (e.s !== s || e.g !== g) {
          note(table, it.key, `${at} disagrees with the ${what} (stamp ${e.s}, row ${e.g})`);
        }
      } catch (err) {
        if (!(err instanceof DamageError)) throw err;
        // The record's own damage is reported where the records are checked.
      }
    });
  }
}

/** Log rows by stamp and row, a few hundred at a time: records of one bulk load share rows. */
class RowCache {
  #kv: Deno.Kv;
  #table: TableName;
  #rows = new Map<string, Set<string>>();

  constructor(kv: Deno.Kv, table: TableName) {
    this.#kv = kv;
    this.#table = table;
  }

  async has(s: number, g: number, text: string): Promise<boolean> {
    const id = `${s}/${g}`;
    let row = this.#rows.get(id);
    if (!row) {
      const res = await this.#kv.get(["l", this.#table, s, g]);
      try {
        row = new Set(readLogRow(res.value));
      } catch {
        row = new Set();
      }
      if (this.#rows.size >= 256) this.#rows.delete(this.#rows.keys().next().value!);
      this.#rows.set(id, row);
    }
    return row.has(text);
  }
}
