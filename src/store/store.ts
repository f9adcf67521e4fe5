import { CtdlError } from "../errors.ts";
import { decodeKey, digestHex, encodeKey, type KeyPart, recordHash } from "./_hash.ts";
import { createPrivate, tighten } from "./file_mode.ts";
import { isTableName, keyProblem, TABLE_NAMES, type TableName, TABLES } from "./tables.ts";

/**
 * One change to one record: `value` null deletes it. Ops of one `write` commit together.
 */
export interface Op {
  table: TableName;
  key: KeyPart[];
  value: Uint8Array | null;
}

/** A record as read back: key, value bytes and the stamp of the commit that last wrote it. */
export interface StoredRecord {
  key: KeyPart[];
  value: Uint8Array;
  stamp: number;
}

/** One entry of a table's change log: a live record, or a tombstone left by a delete. */
export interface Change {
  key: KeyPart[];
  stamp: number;
  /** The record now, or null for a tombstone. */
  value: Uint8Array | null;
}

/** A table's summary: what two stores compare to know whether they agree. */
export interface TableStats {
  table: TableName;
  count: number;
  /** Order-independent 64-bit digest, 16 hex digits. */
  digest: string;
  /** Sum of the value sizes in bytes. */
  bytes: number;
  /** Highest change stamp of any record or tombstone of the table (0: never written). */
  stamp: number;
}

/** What a free-form meta value may be (checkpoints and the like). */
export type MetaValue = string | number | boolean | null | MetaValue[] | {
  [k: string]: MetaValue;
};

/** Extra writes that must land in the same commit as the ops (e.g. a sync checkpoint). */
export interface MetaOp {
  key: KeyPart[];
  value: MetaValue | undefined;
}

/** The reads a transaction may do before it decides its ops. */
export interface Reader {
  get(table: TableName, key: KeyPart[]): Promise<Uint8Array | null>;
}

/**
 * How a record sits in KV under `["r", table, ...key]`: `s`/`i` locate its change-log
 * entry, `h` is its hash (so a delete can take it out of the digest without the bytes),
 * `n` its size. Values up to INLINE_MAX are inline in `v`; bigger ones live in blob parts.
 */
interface Entry {
  s: number;
  i: number;
  h: bigint;
  n: number;
  v?: Uint8Array;
  b?: { id: string; parts: number };
}

interface LogEntry {
  k: KeyPart[];
  d?: true;
}

interface TombEntry {
  s: number;
  i: number;
}

/** KV allows 64 KiB a value; the entry's own fields need a little room beside the bytes. */
export const INLINE_MAX = 60 * 1024;
/** KV allows 800 KiB a commit; keep a margin for keys and entry fields. */
export const COMMIT_BYTES_MAX = 640 * 1024;
/** KV allows 1000 mutations a commit; each op costs at most six (see `write`). */
export const COMMIT_OPS_MAX = 150;
const KEY_BYTES_MAX = 1800;
const STORE_VERSION = 1;
const FILE_NAME = "ctdlsync.kv";

/**
 * A ctdlsync store: every Citadel table in one Deno KV file.
 *
 * Every `write` is one atomic KV commit that also keeps, per table, a record count, an
 * order-independent digest, a byte total, and a change log ordered by a store-wide stamp,
 * so "what changed since stamp S" is a range read, and two stores compare per table in O(1).
 */
export class Store {
  readonly kv: Deno.Kv;
  readonly path: string;
  readonly id: string;
  #lock: Promise<unknown> = Promise.resolve();
  #closed = false;
  /**
   * Called at the start of every write, in the writer's async context; throwing refuses
   * the write. The server sets it to enforce single-user mode.
   */
  writeGuard: (() => void) | undefined;

  private constructor(kv: Deno.Kv, path: string, id: string) {
    this.kv = kv;
    this.path = path;
    this.id = id;
  }

  /**
   * Opens the store in directory `dir`. With `create` false a missing store is an error
   * (for read-only commands such as `stats`), otherwise the directory and store are made.
   */
  static async open(dir: string, opts: { create?: boolean } = {}): Promise<Store> {
    const path = `${dir.replace(/\/+$/, "")}/${FILE_NAME}`;
    const exists = await Deno.stat(path).then(() => true, () => false);
    if (!exists && !opts.create) throw new CtdlError(571, `no ctdlsync store at ${dir}`);
    let kv: Deno.Kv;
    try {
      if (!exists) await createPrivate(dir, path);
      kv = await Deno.openKv(path);
      await tighten(path);
    } catch (e) {
      throw new CtdlError(510, `cannot open store ${path}: ${(e as Error).message}`);
    }
    try {
      const [ver, id] = await kv.getMany<[number, string]>([["m", "version"], ["m", "id"]]);
      if (ver.value !== null && ver.value !== STORE_VERSION) {
        throw new CtdlError(
          510,
          `store ${path} has format ${ver.value}; this build reads ${STORE_VERSION}`,
        );
      }
      if (id.value !== null) return new Store(kv, path, id.value);
      const newId = crypto.randomUUID();
      const res = await kv.atomic().check(id).set(["m", "version"], STORE_VERSION)
        .set(["m", "id"], newId).set(["m", "stamp"], 0).commit();
      if (!res.ok) return Store.open(dir, opts);
      return new Store(kv, path, newId);
    } catch (e) {
      kv.close();
      if (e instanceof CtdlError) throw e;
      throw new CtdlError(510, `cannot read store ${path}: ${(e as Error).message}`);
    }
  }

  /** True once `close` has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the KV file; waits for a running write to finish first. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#lock.catch(() => {});
    this.kv.close();
  }

  /** Reads one record's value, or null. */
  async get(table: TableName, key: KeyPart[]): Promise<Uint8Array | null> {
    const res = await this.kv.get<Entry>(["r", table, ...key]);
    return res.value ? await this.#valueOf(res.value) : null;
  }

  /** Reads one record and decodes it with its table's codec. */
  async getDecoded<T>(table: TableName, key: KeyPart[]): Promise<T | null> {
    const bytes = await this.get(table, key);
    return bytes ? decodeOrThrow<T>(table, key, bytes) : null;
  }

  /** The stamp of the last commit (0 for a new store). */
  async stamp(): Promise<number> {
    return (await this.kv.get<number>(["m", "stamp"])).value ?? 0;
  }

  /** Reads a meta value (checkpoints and the like). */
  async getMeta<T extends MetaValue>(key: KeyPart[]): Promise<T | null> {
    return (await this.kv.get<T>(["m", "x", ...key])).value;
  }

  /** Count, digest, bytes and highest stamp of one table: four KV reads, no scan. */
  async stats(table: TableName): Promise<TableStats> {
    const keys = ["count", "digest", "bytes", "hi"].map((k) => ["m", k, table]);
    const [count, digest, bytes, hi] = await this.kv.getMany<Deno.KvU64[]>(keys);
    const n = (e: Deno.KvEntryMaybe<Deno.KvU64>) => e.value?.value ?? 0n;
    return {
      table,
      count: Number(n(count)),
      digest: digestHex(n(digest)),
      bytes: Number(n(bytes)),
      stamp: Number(n(hi)),
    };
  }

  /**
   * Lists a table's records in key order. `prefix` narrows to keys starting with those
   * parts; `after` resumes after a key (exclusive). Blob values are loaded whole.
   */
  async *list(
    table: TableName,
    opts: { prefix?: KeyPart[]; after?: KeyPart[]; reverse?: boolean; limit?: number } = {},
  ): AsyncGenerator<StoredRecord> {
    const prefix = ["r", table, ...(opts.prefix ?? [])];
    // KV's `start` is inclusive, so resuming "after" a key starts at it and skips it.
    const selector: Deno.KvListSelector = opts.after
      ? opts.reverse
        ? { prefix, end: ["r", table, ...opts.after] }
        : { prefix, start: ["r", table, ...opts.after] }
      : { prefix };
    const iter = this.kv.list<Entry>(selector, { batchSize: 500, reverse: opts.reverse });
    let n = 0;
    for await (const res of iter) {
      const key = res.key.slice(2) as KeyPart[];
      if (opts.after && sameKey(key, opts.after)) continue;
      if (opts.limit !== undefined && n++ >= opts.limit) return;
      yield { key, value: await this.#valueOf(res.value), stamp: res.value.s };
    }
  }

  /** Only the keys of a table (no value loads): for message lists and existence checks. */
  async *keys(table: TableName, prefix: KeyPart[] = []): AsyncGenerator<KeyPart[]> {
    for await (
      const res of this.kv.list({ prefix: ["r", table, ...prefix] }, { batchSize: 1000 })
    ) {
      yield res.key.slice(2) as KeyPart[];
    }
  }

  /**
   * Everything that changed in a table after stamp `since` (up to `upTo`, inclusive), in
   * stamp order: live records and tombstones. A range read over the table's change log,
   * not a scan of the table.
   */
  async *changes(
    table: TableName,
    since: number,
    upTo = Number.MAX_SAFE_INTEGER - 1,
  ): AsyncGenerator<Change> {
    const iter = this.kv.list<LogEntry>(
      { start: ["l", table, since + 1], end: ["l", table, upTo + 1] },
      { batchSize: 500 },
    );
    let batch: [number, LogEntry][] = [];
    const flush = async function* (store: Store): AsyncGenerator<Change> {
      const live = batch.filter(([, e]) => !e.d);
      const entries = await store.#getEntries(live.map(([, e]) => ["r", table, ...e.k]));
      let j = 0;
      for (const [stamp, e] of batch) {
        if (e.d) {
          yield { key: e.k, stamp, value: null };
          continue;
        }
        const entry = entries[j++];
        // A record rewritten after this log entry was listed shows up again later in the
        // log under its new stamp; skip the stale sighting.
        if (!entry || entry.s !== stamp) continue;
        yield { key: e.k, stamp, value: await store.#valueOf(entry) };
      }
      batch = [];
    };
    for await (const res of iter) {
      batch.push([res.key[2] as number, res.value]);
      if (batch.length >= 200) yield* flush(this);
    }
    yield* flush(this);
  }

  /** Reads `length` bytes at `offset` of a record's value without loading all of a big one. */
  async readRange(
    table: TableName,
    key: KeyPart[],
    offset: number,
    length: number,
  ): Promise<Uint8Array | null> {
    const res = await this.kv.get<Entry>(["r", table, ...key]);
    const e = res.value;
    if (!e) return null;
    const end = Math.min(e.n, offset + length);
    if (offset >= end) return new Uint8Array(0);
    if (e.v) return e.v.subarray(offset, end);
    const first = Math.floor(offset / INLINE_MAX);
    const last = Math.floor((end - 1) / INLINE_MAX);
    const parts = await this.#getParts(e.b!.id, first, last);
    const joined = concat(parts);
    return joined.subarray(offset - first * INLINE_MAX, end - first * INLINE_MAX);
  }

  /** Size in bytes of a record's value, or null when absent. */
  async size(table: TableName, key: KeyPart[]): Promise<number | null> {
    return (await this.kv.get<Entry>(["r", table, ...key])).value?.n ?? null;
  }

  /** Commits `ops` (and `meta`) atomically. See `update` for read-modify-write. */
  write(ops: Op[], meta: MetaOp[] = []): Promise<number> {
    return this.update(() => Promise.resolve({ ops, meta }));
  }

  /**
   * Runs a read-modify-write transaction: `fn` reads through the Reader and returns the ops;
   * they commit atomically with the reads still true, or `fn` runs again. Returns the
   * commit's stamp (unchanged when every op was a no-op).
   *
   * Writes of one process are serialised by a lock; the check on the stamp key makes a
   * second process writing the same file retry instead of interleaving.
   */
  update(fn: (r: Reader) => Promise<{ ops: Op[]; meta?: MetaOp[] }>): Promise<number> {
    try {
      this.writeGuard?.();
    } catch (e) {
      return Promise.reject(e);
    }
    const run = this.#lock.then(() => this.#update(fn));
    this.#lock = run.catch(() => {});
    return run;
  }

  async #update(fn: (r: Reader) => Promise<{ ops: Op[]; meta?: MetaOp[] }>): Promise<number> {
    if (this.#closed) throw new CtdlError(531, "store is closed");
    const staged = new Map<Uint8Array, { id: string; parts: number }>();
    for (let attempt = 0; attempt < 50; attempt++) {
      const stampEntry = await this.kv.get<number>(["m", "stamp"]);
      const reader: Reader = { get: (t, k) => this.get(t, k) };
      const { ops, meta = [] } = await fn(reader);
      const result = await this.#commit(stampEntry, ops, meta, staged);
      if (result !== null) return result;
    }
    throw new CtdlError(552, "store is busy: too many conflicting writers");
  }

  async #commit(
    stampEntry: Deno.KvEntryMaybe<number>,
    ops: Op[],
    meta: MetaOp[],
    staged: Map<Uint8Array, { id: string; parts: number }>,
  ): Promise<number | null> {
    // Later ops on the same key win, as if applied in order.
    const byKey = new Map<string, Op & { kb: Uint8Array }>();
    for (const op of ops) {
      if (!isTableName(op.table)) throw new CtdlError(512, `unknown table '${op.table}'`);
      const problem = keyProblem(TABLES[op.table], op.key);
      if (problem) throw new CtdlError(512, problem);
      const kb = encodeKey(op.key);
      if (kb.length > KEY_BYTES_MAX) {
        throw new CtdlError(511, `key of ${kb.length} bytes in table ${op.table} is too long`);
      }
      const id = op.table + "\0" + JSON.stringify(op.key);
      byKey.delete(id);
      byKey.set(id, { ...op, kb });
    }
    const list = [...byKey.values()];
    if (list.length > COMMIT_OPS_MAX) {
      throw new CtdlError(511, `${list.length} records in one commit; at most ${COMMIT_OPS_MAX}`);
    }
    const [olds, tombs] = await Promise.all([
      this.#existing<Entry>("r", list),
      this.#existing<TombEntry>("t", list),
    ]);

    const stamp = (stampEntry.value ?? 0) + 1;
    const atomic = this.kv.atomic().check(stampEntry);
    const sums = new Map<TableName, { count: bigint; digest: bigint; bytes: bigint }>();
    const sum = (t: TableName) => {
      let s = sums.get(t);
      if (!s) sums.set(t, s = { count: 0n, digest: 0n, bytes: 0n });
      return s;
    };
    const freed: string[] = [];
    let inlineBytes = 0;
    let i = 0;
    for (let j = 0; j < list.length; j++) {
      const op = list[j];
      const old = olds[j];
      const tomb = tombs[j];
      const rkey = ["r", op.table, ...op.key];
      if (op.value === null) {
        if (!old) continue;
        atomic.delete(rkey).delete(["l", op.table, old.s, old.i]);
        atomic.set(["t", op.table, ...op.key], { s: stamp, i } satisfies TombEntry);
        atomic.set(["l", op.table, stamp, i++], { k: op.key, d: true } satisfies LogEntry);
        const s = sum(op.table);
        s.count -= 1n;
        s.digest -= old.h;
        s.bytes -= BigInt(old.n);
        if (old.b) freed.push(old.b.id);
        continue;
      }
      const h = recordHash(op.kb, op.value);
      if (old && old.h === h && old.n === op.value.length) continue; // same bytes: no change
      const entry: Entry = { s: stamp, i, h, n: op.value.length };
      if (op.value.length <= INLINE_MAX) {
        entry.v = op.value;
        inlineBytes += op.value.length + op.kb.length;
      } else {
        let blob = staged.get(op.value);
        if (!blob) staged.set(op.value, blob = await this.#stageBlob(op.value));
        entry.b = blob;
      }
      atomic.set(rkey, entry);
      atomic.set(["l", op.table, stamp, i++], { k: op.key } satisfies LogEntry);
      const s = sum(op.table);
      if (old) {
        atomic.delete(["l", op.table, old.s, old.i]);
        s.digest -= old.h;
        s.bytes -= BigInt(old.n);
        if (old.b) freed.push(old.b.id);
      } else {
        s.count += 1n;
      }
      if (tomb) atomic.delete(["t", op.table, ...op.key]).delete(["l", op.table, tomb.s, tomb.i]);
      s.digest += h;
      s.bytes += BigInt(op.value.length);
    }
    if (inlineBytes > COMMIT_BYTES_MAX) {
      throw new CtdlError(511, `${inlineBytes} bytes in one commit; at most ${COMMIT_BYTES_MAX}`);
    }
    for (const m of meta) {
      if (m.value === undefined) atomic.delete(["m", "x", ...m.key]);
      else atomic.set(["m", "x", ...m.key], m.value);
    }
    if (i === 0 && meta.length === 0) return stampEntry.value ?? 0;
    const wrap = (x: bigint) => BigInt.asUintN(64, x);
    for (const [t, s] of sums) {
      if (s.count !== 0n) atomic.sum(["m", "count", t], wrap(s.count));
      if (s.digest !== 0n) atomic.sum(["m", "digest", t], wrap(s.digest));
      if (s.bytes !== 0n) atomic.sum(["m", "bytes", t], wrap(s.bytes));
      atomic.max(["m", "hi", t], BigInt(stamp));
    }
    atomic.set(["m", "stamp"], stamp);
    const res = await atomic.commit();
    if (!res.ok) return null;
    for (const id of freed) await this.#deleteBlob(id);
    return stamp;
  }

  /**
   * Writes a big value's parts before the commit that points at them. They are invisible
   * until then; a crash in between leaves only unreferenced parts, never a half record.
   */
  async #stageBlob(value: Uint8Array): Promise<{ id: string; parts: number }> {
    const id = crypto.randomUUID();
    const parts = Math.ceil(value.length / INLINE_MAX);
    const perCommit = Math.floor(COMMIT_BYTES_MAX / INLINE_MAX);
    for (let p = 0; p < parts; p += perCommit) {
      const atomic = this.kv.atomic();
      for (let q = p; q < Math.min(parts, p + perCommit); q++) {
        atomic.set(["b", id, q], value.subarray(q * INLINE_MAX, (q + 1) * INLINE_MAX));
      }
      const res = await atomic.commit();
      if (!res.ok) throw new CtdlError(510, "could not store a large value");
    }
    return { id, parts };
  }

  async #deleteBlob(id: string): Promise<void> {
    const keys: Deno.KvKey[] = [];
    for await (const r of this.kv.list({ prefix: ["b", id] })) keys.push(r.key);
    for (let p = 0; p < keys.length; p += 500) {
      const atomic = this.kv.atomic();
      for (const k of keys.slice(p, p + 500)) atomic.delete(k);
      await atomic.commit();
    }
  }

  async #getParts(id: string, first: number, last: number): Promise<Uint8Array[]> {
    const keys: Deno.KvKey[] = [];
    for (let q = first; q <= last; q++) keys.push(["b", id, q]);
    const parts = await this.#getEntries<Uint8Array>(keys);
    return parts.map((p, j) => {
      if (!p) {
        throw new CtdlError(510, `store is damaged: part ${first + j} of blob ${id} is missing`);
      }
      return p;
    });
  }

  async #valueOf(e: Entry): Promise<Uint8Array> {
    if (e.v) return e.v;
    if (!e.b) throw new CtdlError(510, "store is damaged: record has neither value nor blob");
    const value = concat(await this.#getParts(e.b.id, 0, e.b.parts - 1));
    if (value.length !== e.n) throw new CtdlError(510, `store is damaged: blob ${e.b.id} size`);
    return value;
  }

  /**
   * The current entries under `space` ("r" records, "t" tombstones) for the ops' keys.
   * A bulk load writes runs of ascending keys of one table, often into an empty range;
   * one bounded range read answers those far faster than a point read per key.
   */
  async #existing<T>(
    space: "r" | "t",
    ops: { table: TableName; key: KeyPart[] }[],
  ): Promise<(T | null)[]> {
    const keys = ops.map((op) => [space, op.table, ...op.key] as Deno.KvKey);
    const ascending = ops.length >= 16 &&
      ops.every((op, j) =>
        op.table === ops[0].table && (j === 0 || compareKeys(ops[j - 1].key, op.key) < 0)
      );
    if (ascending) {
      const found = new Map<string, T>();
      const limit = ops.length * 2;
      const iter = this.kv.list<T>(
        { start: keys[0], end: [...keys[keys.length - 1], new Uint8Array(0)] },
        { limit: limit + 1, batchSize: Math.min(limit + 1, 1000) },
      );
      let n = 0;
      for await (const r of iter) {
        if (++n > limit) break;
        found.set(JSON.stringify(r.key.slice(2)), r.value);
      }
      if (n <= limit) return ops.map((op) => found.get(JSON.stringify(op.key)) ?? null);
    }
    return await this.#getEntries<T>(keys);
  }

  /** KV's getMany takes ten keys at a time; this takes any number, in parallel. */
  async #getEntries<T = Entry>(keys: Deno.KvKey[]): Promise<(T | null)[]> {
    const calls: Promise<Deno.KvEntryMaybe<T>[]>[] = [];
    for (let p = 0; p < keys.length; p += 10) {
      calls.push(this.kv.getMany<T[]>(keys.slice(p, p + 10)));
    }
    return (await Promise.all(calls)).flat().map((r) => r.value);
  }

  /**
   * Recomputes every table's count and digest from its records and decodes each value with
   * its codec. Throws a CtdlError naming table and key at the first corrupt record.
   */
  async verify(): Promise<TableStats[]> {
    const out: TableStats[] = [];
    for (const table of TABLE_NAMES) {
      let count = 0;
      let digest = 0n;
      let bytes = 0;
      for await (const rec of this.list(table)) {
        decodeOrThrow(table, rec.key, rec.value);
        const entry = (await this.kv.get<Entry>(["r", table, ...rec.key])).value!;
        const h = recordHash(encodeKey(rec.key), rec.value);
        if (h !== entry.h) throw corrupt(table, rec.key, "value does not match its hash");
        count++;
        digest = BigInt.asUintN(64, digest + h);
        bytes += rec.value.length;
      }
      const kept = await this.stats(table);
      if (kept.count !== count || kept.digest !== digestHex(digest) || kept.bytes !== bytes) {
        throw new CtdlError(
          510,
          `table ${table}: counters say ${kept.count} records/${kept.digest}, records give ${count}/${
            digestHex(digest)
          }`,
        );
      }
      out.push(kept);
    }
    return out;
  }
}

function corrupt(table: string, key: KeyPart[], why: string): CtdlError {
  return new CtdlError(510, `corrupt record in table ${table}, key ${JSON.stringify(key)}: ${why}`);
}

/** Decodes a record with its table's codec; a failure names table and key. */
export function decodeOrThrow<T>(table: TableName, key: KeyPart[], bytes: Uint8Array): T {
  try {
    return TABLES[table].codec.decode(bytes) as T;
  } catch (e) {
    throw corrupt(table, key, (e as Error).message);
  }
}

/**
 * Orders two keys of one table as KV does: numbers by value, strings by their UTF-8 bytes,
 * a key before its extensions.
 */
export function compareKeys(a: readonly KeyPart[], b: readonly KeyPart[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x < y ? -1 : 1;
    if (typeof x !== typeof y) return typeof x === "string" ? -1 : 1;
    const ex = utf8.encode(x as string);
    const ey = utf8.encode(y as string);
    for (let j = 0; j < Math.min(ex.length, ey.length); j++) {
      if (ex[j] !== ey[j]) return ex[j] - ey[j];
    }
    return ex.length - ey.length;
  }
  return a.length - b.length;
}

const utf8 = new TextEncoder();

function sameKey(a: readonly KeyPart[], b: readonly KeyPart[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

/** Joins byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export { decodeKey, encodeKey, type KeyPart };
