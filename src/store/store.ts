import { CtdlError } from "../errors.ts";
import { digestHex } from "../wire/digest.ts";
import type { KeyPart } from "../wire/record_key.ts";
import { valueOf, valueRange } from "./blobs.ts";
import type { Plan, PreparedOp, StampSeen } from "./commit.ts";
import { INLINE_MAX } from "./entry.ts";
import { createPrivate, tighten } from "./file_mode.ts";
import { decodeOrThrow, getEntry, listChanges, listedKey, listRecords } from "./read.ts";
import type { TableName } from "./tables.ts";
import type { Change, MetaOp, MetaValue, Op, Reader, StoredRecord, TableStats } from "./types.ts";
import type { VerifyReport } from "./verify.ts";

export type { Change, MetaOp, MetaValue, Op, PreparedOp, Reader, StoredRecord, TableStats };
export type { VerifyReport };
export { decodeOrThrow, type KeyPart };
export { INLINE_MAX };

/**
 * The commit path and `verify` hash records (node:crypto): loaded on the first write, so
 * commands that only read counters (`stats`, `status`) start without them.
 */
async function commitPath(): Promise<typeof import("./commit.ts")> {
  return commitModule ??= await import("./commit.ts");
}
let commitModule: typeof import("./commit.ts") | undefined;

/** The store format this build writes: record entries and log rows as raw bytes (v2). */
const STORE_VERSION = 2;
const FILE_NAME = "ctdlsync.kv";

/** How a bulk load's batches are written. */
export interface WriteOptions {
  /**
   * A batch over KV's limits (many rewrites or deletes) is written as several commits in a
   * row, the meta with the last, instead of being refused.
   */
  split?: boolean;
  /**
   * Batches of one load share this object: once one fails, the later ones are refused
   * rather than committed out of order (a resume point must never pass a lost batch).
   */
  chain?: { failed?: unknown };
}

/** One queued write: prepared ops, or a read-modify-write function. */
interface Job {
  ops?: (Op | PreparedOp)[];
  fn?: (r: Reader) => Promise<{ ops: (Op | PreparedOp)[]; meta?: MetaOp[] }>;
  meta: MetaOp[];
  /** Big values already written as blob parts, reused when the commit is retried. */
  staged: Map<Uint8Array, { id: string; parts: number }>;
  split?: boolean;
  chain?: { failed?: unknown };
  /** Its plan, made while the write before it committed. */
  ahead?: Promise<Plan>;
  done: { resolve(stamp: number): void; reject(e: unknown): void };
}

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
  /** Writes waiting to commit, the running one first. */
  #queue: Job[] = [];
  /** The stamp key as this process last committed it: saves a read per commit. */
  #seen: StampSeen | null = null;
  /** The plan of the last commit of this process (for plans made ahead of their turn). */
  #last: Plan | null = null;
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
    return this.#enqueue({ ops, meta, staged: new Map(), ...opts });
  }

  /**
   * Runs a read-modify-write transaction: `fn` reads through the Reader and returns the ops;
   * they commit atomically with the reads still true, or `fn` runs again. Returns the
   * commit's stamp (unchanged when every op was a no-op).
   *
   * Writes of one process run one after another in a queue; the check on the stamp key
   * makes a second process writing the same file retry instead of interleaving.
   */
  update(
    fn: (r: Reader) => Promise<{ ops: (Op | PreparedOp)[]; meta?: MetaOp[] }>,
  ): Promise<number> {
    try {
      this.writeGuard?.();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#enqueue({ fn, meta: [], staged: new Map() });
  }

  #enqueue(job: Omit<Job, "done">): Promise<number> {
    const { promise, resolve, reject } = Promise.withResolvers<number>();
    this.#queue.push({ ...job, done: { resolve, reject } });
    if (this.#queue.length === 1) this.#lock = this.#drain();
    return promise;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const job = this.#queue[0];
      try {
        job.done.resolve(await this.#run(job));
      } catch (e) {
        // Set before the next job runs: a later batch of the same load must not commit.
        if (job.chain) job.chain.failed ??= e;
        job.done.reject(e);
      }
      this.#queue.shift();
    }
  }

  async #run(job: Job): Promise<number> {
    if (this.#closed) throw new CtdlError(531, "store is closed");
    if (job.chain?.failed) throw new CtdlError(510, "not written: an earlier batch failed");
    const { CommitTooBig } = await commitPath();
    try {
      return await this.#attempts(job);
    } catch (e) {
      if (!(e instanceof CommitTooBig) || !job.split || !job.ops || job.ops.length < 2) throw e;
      // Too big for one commit: two commits in a row, the meta (a resume point) last.
      const half = Math.ceil(job.ops.length / 2);
      await this.#run({ ...job, ops: job.ops.slice(0, half), meta: [], ahead: undefined });
      return await this.#run({ ...job, ops: job.ops.slice(half), ahead: undefined });
    }
  }

  async #attempts(job: Job): Promise<number> {
    const { finishCommit, planCommit, prepareOp } = await commitPath();
    const reader: Reader = { get: (t, k) => this.get(t, k) };
    for (let attempt = 0; attempt < 50; attempt++) {
      const seen = this.#seen ?? await this.#readStamp();
      this.#seen = null;
      let plan = await this.#planned(job, seen);
      if (!plan) {
        const { ops = [], meta = [] } = job.fn ? await job.fn(reader) : job;
        const prepared = ops.map((op) => prepareOp(op));
        plan = await planCommit(this.kv, seen.value + 1, prepared, meta, job.staged);
      }
      this.#planAhead(plan);
      const done = await finishCommit(this.kv, plan, seen);
      if (done === null) continue;
      this.#seen = done.versionstamp === null ? seen : { value: done.stamp, ...done };
      this.#last = done.versionstamp === null ? null : plan;
      return done.stamp;
    }
    throw new CtdlError(552, "store is busy: too many conflicting writers");
  }

  /**
   * While a plan commits, plans the next queued write (reads and building) as the commit
   * after it, when the two touch different records and the next is a plain write.
   */
  #planAhead(plan: Plan): void {
    const next = this.#queue[1];
    if (plan.empty || !next || next.fn || next.ahead || !next.ops || next.chain?.failed) return;
    const { opId, planCommit, prepareOp } = commitModule!; // loaded: a commit is running
    let ops: PreparedOp[];
    try {
      ops = next.ops.map((op) => prepareOp(op));
    } catch {
      return; // refused again, with its reason, when its turn comes
    }
    next.ops = ops;
    if (ops.some((op) => plan.keys.has(opId(op)))) return;
    next.ahead = planCommit(this.kv, plan.stamp + 1, ops, next.meta, next.staged);
    next.ahead.catch(() => {}); // a failed plan is made again, and fails, in #run
  }

  /**
   * The plan made ahead for `job`, if still good: made for the stamp after `seen`, right
   * after the commit that got there, and editing none of the log rows that commit edited
   * (its reads of them may predate that commit). Reads of other records are good: no other
   * commit happened in between, or the check on the stamp key fails.
   */
  async #planned(job: Job, seen: StampSeen): Promise<Plan | null> {
    const ahead = job.ahead;
    job.ahead = undefined;
    if (!ahead) return null;
    const plan = await ahead.catch(() => null);
    const last = this.#last;
    if (!plan || !last || plan.stamp !== seen.value + 1 || last.stamp !== seen.value) return null;
    for (const row of plan.rows) if (last.rows.has(row)) return null;
    return plan;
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
  async verifyReport(opts: { maxProblems?: number } = {}): Promise<VerifyReport> {
    const { verifyStore } = await import("./verify.ts");
    return await verifyStore(this, opts.maxProblems ?? 1000);
  }
}
