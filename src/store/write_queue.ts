import { CtdlError } from "../errors.ts";
import type { Plan, PreparedOp, StampSeen } from "./commit.ts";
import type { MetaOp, Op, Reader } from "./types.ts";

/**
 * The commit path hashes records (node:crypto): loaded on the first write, so commands
 * that only read counters (`stats`, `status`) start without it.
 */
async function commitPath(): Promise<typeof import("./commit.ts")> {
  return commitModule ??= await import("./commit.ts");
}
let commitModule: typeof import("./commit.ts") | undefined;

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

/** A read-modify-write transaction: reads through the Reader, returns the ops to commit. */
export type Transaction = (r: Reader) => Promise<{ ops: (Op | PreparedOp)[]; meta?: MetaOp[] }>;

/** One queued write: ops, or a read-modify-write function. */
interface Job extends WriteOptions {
  ops?: (Op | PreparedOp)[];
  fn?: Transaction;
  meta: MetaOp[];
  /** Big values already written as blob parts, reused when the commit is retried. */
  staged: Map<Uint8Array, { id: string; parts: number }>;
  /** Its plan, made while the write before it committed. */
  ahead?: Promise<Plan>;
  done: { resolve(stamp: number): void; reject(e: unknown): void };
}

/**
 * A store's writes, one commit after another. While one commit lands (on KV's own
 * thread), the next queued write is planned: its reads done and its commit built as the
 * following stamp. Its own last commit's versionstamp of the stamp key spares a read per
 * commit; another process writing in between fails the check, and the write is planned
 * again (docs/storage.md).
 */
export class WriteQueue {
  #kv: Deno.Kv;
  #reader: Reader;
  #closed: () => boolean;
  #queue: Job[] = [];
  /** Resolves when the queue is empty. */
  idle: Promise<void> = Promise.resolve();
  /** The stamp key as this process last committed it. */
  #seen: StampSeen | null = null;
  /** The plan of the last commit (for plans made ahead of their turn). */
  #last: Plan | null = null;

  constructor(kv: Deno.Kv, reader: Reader, closed: () => boolean) {
    this.#kv = kv;
    this.#reader = reader;
    this.#closed = closed;
  }

  /** Queues ops (or a transaction); resolves to the commit's stamp. */
  add(job: { ops?: (Op | PreparedOp)[]; fn?: Transaction; meta?: MetaOp[] } & WriteOptions) {
    const { promise, resolve, reject } = Promise.withResolvers<number>();
    this.#queue.push({ meta: [], ...job, staged: new Map(), done: { resolve, reject } });
    if (this.#queue.length === 1) this.idle = this.#drain();
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
    if (this.#closed()) throw new CtdlError(531, "store is closed");
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
    for (let attempt = 0; attempt < 50; attempt++) {
      const seen = this.#seen ?? await this.#readStamp();
      this.#seen = null;
      let plan = await this.#planned(job, seen);
      if (!plan) {
        const { ops = [], meta = [] } = job.fn ? await job.fn(this.#reader) : job;
        const prepared = ops.map((op) => prepareOp(op));
        plan = await planCommit(this.#kv, seen.value + 1, prepared, meta, job.staged);
      }
      this.#planAhead(plan);
      const done = await finishCommit(this.#kv, plan, seen);
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
    next.ahead = planCommit(this.#kv, plan.stamp + 1, ops, next.meta, next.staged);
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
    const e = await this.#kv.get<number>(["m", "stamp"]);
    return { value: e.value ?? 0, versionstamp: e.versionstamp };
  }
}
