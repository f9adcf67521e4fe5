import { BLOB_IN_COMMIT_MAX } from "./blobs.ts";
import { COMMIT_BYTES_MAX, type PreparedOp, prepareOp } from "./commit.ts";
import type { Store } from "./store.ts";
import type { MetaOp, Op } from "./types.ts";

/**
 * Records a batch writer puts in one commit: with the change-log row, four counters per
 * table, the stamp and a checkpoint, a fresh load stays within 1000 mutations; a batch of
 * rewrites that does not is written as two commits (WriteOptions.split).
 */
export const COMMIT_OPS_MAX = 990;

/** Big values are staged outside the commit, but still held until it: bound the memory. */
const PENDING_BYTES_MAX = 4 * 1024 * 1024;

/**
 * Groups many record writes into commits that fit KV's limits (1000 mutations, 800 KiB).
 * Each commit is atomic and may carry meta writes (a checkpoint) computed at flush time,
 * so what the meta says always matches the records committed with it.
 *
 * Commits overlap the work before them: `add` checks and hashes each op as it comes (on
 * the JavaScript thread) while KV writes an earlier batch (on its own thread), and the
 * store reads and builds the next batch's commit while the one before it lands. Batches
 * commit in order; once one fails, the later ones are refused. A batch that needs more
 * mutations than KV allows (many rewrites or deletes) is written as two commits in a row,
 * the meta with the second.
 */
export class BatchWriter {
  #store: Store;
  #ops: PreparedOp[] = [];
  #inline = 0;
  #bytes = 0;
  #metaFor: (() => MetaOp[]) | undefined;
  #onFlush: ((records: number, bytes: number) => void) | undefined;
  #pending: Promise<void>[] = [];
  #chain: { failed?: unknown } = {};
  /** Records committed so far. */
  records = 0;

  constructor(
    store: Store,
    opts: { metaFor?: () => MetaOp[]; onFlush?: (records: number, bytes: number) => void } = {},
  ) {
    this.#store = store;
    this.#metaFor = opts.metaFor;
    this.#onFlush = opts.onFlush;
  }

  /**
   * Adds one op (checked and hashed now); starts a commit first if it would not fit.
   * `hash`: the record's `recordHash`, when the caller computed it already.
   */
  async add(op: Op, hash?: bigint): Promise<void> {
    const p = prepareOp(op, hash);
    const size = p.value?.length ?? 0;
    // Values over BLOB_IN_COMMIT_MAX go to blob parts outside the commit; the others count.
    const inline = (size <= BLOB_IN_COMMIT_MAX ? size : 64) + 2 * p.kb.length + 80;
    if (
      this.#ops.length >= COMMIT_OPS_MAX || this.#inline + inline > COMMIT_BYTES_MAX ||
      this.#bytes + size > PENDING_BYTES_MAX
    ) {
      await this.#start();
    }
    this.#ops.push(p);
    this.#inline += inline;
    this.#bytes += size;
  }

  /**
   * Commits what is pending and waits for every commit started; with `force`, commits the
   * meta even with no records.
   */
  async flush(force = false): Promise<void> {
    if (this.#ops.length > 0 || force) await this.#start();
    while (this.#pending.length > 0) await this.#pending.shift();
  }

  /** Hands the pending batch to the store; keeps at most two batches outstanding. */
  async #start(): Promise<void> {
    const ops = this.#ops;
    const bytes = this.#bytes;
    const meta = this.#metaFor?.() ?? [];
    this.#ops = [];
    this.#inline = 0;
    this.#bytes = 0;
    const written = this.#store.write(ops, meta, { split: true, chain: this.#chain }).then(() => {
      this.records += ops.length;
      this.#onFlush?.(ops.length, bytes);
    });
    written.catch(() => {}); // handled where it is awaited: the next add or flush
    this.#pending.push(written);
    // One commit runs, the next is planned meanwhile (store.ts), and a third batch fills.
    while (this.#pending.length > 2) await this.#pending.shift();
  }
}
