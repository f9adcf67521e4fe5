import { CtdlError } from "../errors.ts";
import { digestHex } from "../wire/digest.ts";
import type { KeyPart } from "../wire/record_key.ts";
import { valueOf, valueRange } from "./blobs.ts";
import {
  COMMIT_BYTES_MAX,
  commitOps,
  MUTATIONS_MAX,
  type PreparedOp,
  prepareOp,
  type StampSeen,
} from "./commit.ts";
import { INLINE_MAX } from "./entry.ts";
import { decodeOrThrow, getEntry, listChanges, listedKey, listRecords } from "./read.ts";
import type { TableName } from "./tables.ts";
import type { Change, MetaOp, MetaValue, Op, Reader, StoredRecord, TableStats } from "./types.ts";
import { type VerifyReport, verifyStore } from "./verify.ts";

export type { Change, MetaOp, MetaValue, Op, PreparedOp, Reader, StoredRecord, TableStats };
export type { VerifyReport };
export { decodeOrThrow, type KeyPart, prepareOp };
export { COMMIT_BYTES_MAX, INLINE_MAX, MUTATIONS_MAX };

/** Records a batch writer puts in one commit; the store refuses a commit over KV's limits. */
export const COMMIT_OPS_MAX = 800;
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
  #lock: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** The stamp key as this process last committed it: saves a read per commit. */
  #seen: StampSeen | null = null;
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
    if (!exists) await Deno.mkdir(dir, { recursive: true });
    let kv: Deno.Kv;
    try {
      kv = await Deno.openKv(path);
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
    await this.#lock.catch(() => {});
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
   * Everything that changed in a table after stamp `since`, in stamp order: live records
   * and tombstones. A range read over the table's change log, not a scan of the table.
   */
  changes(table: TableName, since: number): AsyncGenerator<Change> {
    return listChanges(this.kv, table, since);
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
   * Commits `ops` (and `meta`) atomically. See `update` for read-modify-write. The ops are
   * checked and hashed now, before the write waits for the one in progress; ops from
   * `prepareOp` are taken as they are.
   */
  write(ops: (Op | PreparedOp)[], meta: MetaOp[] = []): Promise<number> {
    let prepared: PreparedOp[];
    try {
      prepared = ops.map((op) => prepareOp(op));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.update(() => Promise.resolve({ ops: prepared, meta }));
  }

  /**
   * Runs a read-modify-write transaction: `fn` reads through the Reader and returns the ops;
   * they commit atomically with the reads still true, or `fn` runs again. Returns the
   * commit's stamp (unchanged when every op was a no-op).
   *
   * Writes of one process are serialised by a lock; the check on the stamp key makes a
   * second process writing the same file retry instead of interleaving.
   */
  update(
    fn: (r: Reader) => Promise<{ ops: (Op | PreparedOp)[]; meta?: MetaOp[] }>,
  ): Promise<number> {
    try {
      this.writeGuard?.();
    } catch (e) {
      return Promise.reject(e);
    }
    const run = this.#lock.then(() => this.#update(fn));
    this.#lock = run.catch(() => {});
    return run;
  }

  async #update(
    fn: (r: Reader) => Promise<{ ops: (Op | PreparedOp)[]; meta?: MetaOp[] }>,
  ): Promise<number> {
    if (this.#closed) throw new CtdlError(531, "store is closed");
    const staged = new Map<Uint8Array, { id: string; parts: number }>();
    const reader: Reader = { get: (t, k) => this.get(t, k) };
    for (let attempt = 0; attempt < 50; attempt++) {
      const seen = this.#seen ?? await this.#readStamp();
      this.#seen = null;
      const { ops, meta = [] } = await fn(reader);
      const done = await commitOps(this.kv, seen, ops.map((op) => prepareOp(op)), meta, staged);
      if (done === null) continue;
      this.#seen = done.versionstamp === null ? seen : { value: done.stamp, ...done };
      return done.stamp;
    }
    throw new CtdlError(552, "store is busy: too many conflicting writers");
  }

  async #readStamp(): Promise<StampSeen> {
    const e = await this.kv.get<number>(["m", "stamp"]);
    return { value: e.value ?? 0, versionstamp: e.versionstamp };
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
  verifyReport(opts: { maxProblems?: number } = {}): Promise<VerifyReport> {
    return verifyStore(this, opts.maxProblems ?? 1000);
  }
}
