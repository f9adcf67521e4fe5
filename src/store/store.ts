import { CtdlError } from "../errors.ts";
import { digestHex } from "../wire/digest.ts";
import type { KeyPart } from "../wire/record_key.ts";
import { valueOf, valueRange } from "./blobs.ts";
import type { PreparedOp } from "./commit.ts";
import { INLINE_MAX } from "./entry.ts";
import { createPrivate, tighten } from "./file_mode.ts";
import { decodeOrThrow, getEntry, listChanges, listedKey, listRecords } from "./read.ts";
import type { TableName } from "./tables.ts";
import type { Change, MetaOp, MetaValue, Op, Reader, StoredRecord, TableStats } from "./types.ts";
import type { VerifyReport } from "./verify.ts";
import { type Transaction, type WriteOptions, WriteQueue } from "./write_queue.ts";

export type { Change, MetaOp, MetaValue, Op, PreparedOp, Reader, StoredRecord, TableStats };
export type { Transaction, VerifyReport, WriteOptions };
export { decodeOrThrow, type KeyPart };
export { INLINE_MAX };

/** The store format this build writes: record entries and log rows as raw bytes (v2). */
const STORE_VERSION = 2;
const FILE_NAME = "ctdlsync.kv";

/**
 * A ctdlsync store: every Citadel table in one Deno KV file (docs/storage.md).
 *
 * Every `write` is one atomic KV commit that also keeps, per table, a record count, an
 * order-independent digest, a byte total, and a change log ordered by a store-wide stamp,
 * so "what changed since stamp S" is a range read, and two stores compare per table in O(1).
 */
export class Store {
  readonly kv: Deno.Kv;
  readonly path: string;
  readonly id: string;
  #closed = false;
  #writes: WriteQueue;
  /**
   * Called at the start of every write, in the writer's async context; throwing refuses
   * the write. The server sets it to enforce single-user mode.
   */
  writeGuard: (() => void) | undefined;

  private constructor(kv: Deno.Kv, path: string, id: string) {
    this.kv = kv;
    this.path = path;
    this.id = id;
    this.#writes = new WriteQueue(kv, { get: (t, k) => this.get(t, k) }, () => this.#closed);
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
          `store ${path} has format ${ver.value}; this build reads ${STORE_VERSION}` +
            " (pull or import into a new directory)",
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
    await this.#writes.idle.catch(() => {});
    this.kv.close();
  }

  /** Reads one record's value, or null. */
  async get(table: TableName, key: KeyPart[]): Promise<Uint8Array | null> {
    const e = await getEntry(this.kv, table, key);
    return e ? await valueOf(this.kv, e) : null;
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
  list(
    table: TableName,
    opts: { prefix?: KeyPart[]; after?: KeyPart[]; reverse?: boolean; limit?: number } = {},
  ): AsyncGenerator<StoredRecord> {
    return listRecords(this.kv, table, opts);
  }

  /** Only the keys of a table (no value loads): for message lists and existence checks. */
  async *keys(table: TableName, prefix: KeyPart[] = []): AsyncGenerator<KeyPart[]> {
    const iter = this.kv.list({ prefix: ["r", table, ...prefix] }, { batchSize: 1000 });
    for await (const res of iter) yield listedKey(table, res.key);
  }

  /**
   * Everything that changed in a table after stamp `since` (up to `upTo`, inclusive), in
   * stamp order: live records and tombstones. A range read over the table's change log,
   * not a scan of the table.
   */
  changes(table: TableName, since: number, upTo?: number): AsyncGenerator<Change> {
    return listChanges(this.kv, table, since, upTo);
  }

  /** Reads `length` bytes at `offset` of a record's value without loading all of a big one. */
  async readRange(
    table: TableName,
    key: KeyPart[],
    offset: number,
    length: number,
  ): Promise<Uint8Array | null> {
    const e = await getEntry(this.kv, table, key);
    return e ? await valueRange(this.kv, e, offset, length) : null;
  }

  /** Size in bytes of a record's value, or null when absent. */
  async size(table: TableName, key: KeyPart[]): Promise<number | null> {
    return (await getEntry(this.kv, table, key))?.n ?? null;
  }

  /**
   * Commits `ops` (and `meta`) atomically. See `update` for read-modify-write. Ops are
   * checked and hashed at the latest while the write before them commits; ops from
   * `prepareOp` (commit.ts; BatchWriter uses it as ops arrive) are taken as they are.
   */
  write(
    ops: (Op | PreparedOp)[],
    meta: MetaOp[] = [],
    opts: WriteOptions = {},
  ): Promise<number> {
    try {
      if (opts.chain?.failed) throw new CtdlError(510, "not written: an earlier batch failed");
      this.writeGuard?.();
    } catch (e) {
      if (opts.chain) opts.chain.failed ??= e;
      return Promise.reject(e);
    }
    return this.#writes.add({ ops, meta, ...opts });
  }

  /**
   * Runs a read-modify-write transaction: `fn` reads through the Reader and returns the ops;
   * they commit atomically with the reads still true, or `fn` runs again. Returns the
   * commit's stamp (unchanged when every op was a no-op).
   *
   * Writes of one process run one after another in a queue; the check on the stamp key
   * makes a second process writing the same file retry instead of interleaving.
   */
  update(fn: Transaction): Promise<number> {
    try {
      this.writeGuard?.();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#writes.add({ fn });
  }

  /**
   * Recomputes every table's count, digest and bytes from its records, decodes each value
   * with its codec, and checks the change log both ways. Throws a CtdlError naming table
   * and key of the first problems found; `verifyReport` lists them all.
   */
  async verify(): Promise<TableStats[]> {
    const report = await this.verifyReport();
    if (report.problems.length === 0) return report.tables;
    const shown = report.problems.slice(0, 5).join("; ");
    const more = report.problems.length > 5 ? ` (and ${report.problems.length - 5} more)` : "";
    throw new CtdlError(510, `verify found ${report.problems.length} problems: ${shown}${more}`);
  }

  /** Every problem `verify` finds, each naming table and key, and the kept counters. */
  async verifyReport(opts: { maxProblems?: number } = {}): Promise<VerifyReport> {
    const { verifyStore } = await import("./verify.ts");
    return await verifyStore(this, opts.maxProblems ?? 1000);
  }
}
