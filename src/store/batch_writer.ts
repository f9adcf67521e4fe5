import { BLOB_IN_COMMIT_MAX } from "./blobs.ts";
import { COMMIT_BYTES_MAX, type KnownParts, type PreparedOp, prepareOp } from "./commit.ts";
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
 * Commits handed to the store and not yet seen to land, shared by the writers of one load
 * (the tables of a pull): a load goes on reading while its last commits land, at most
 * `MAX_OUTSTANDING` of them, and once one fails the later ones are refused.
 */
export class Inflight {
  pending: Promise<void>[] = [];
  readonly chain: { failed?: unknown } = {};

  /** Waits for every commit started; throws the first failure. */
  async settle(): Promise<void> {
    while (this.pending.length > 0) await this.pending.shift();
  }
}

/** One commit runs, the next is planned meanwhile (write_queue.ts), and a third batch fills. */
const MAX_OUTSTANDING = 2;

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
  #inflight: Inflight;
  /** Records committed so far. */
  records = 0;

  constructor(
    store: Store,
    opts: {
      metaFor?: () => MetaOp[];
      onFlush?: (records: number, bytes: number) => void;
      inflight?: Inflight;
    } = {},
  ) {
    this.#store = store;
    this.#metaFor = opts.metaFor;
    this.#onFlush = opts.onFlush;
    this.#inflight = opts.inflight ?? new Inflight();
  }

  /**
   * Adds one op (checked and hashed now); starts a commit first if it would not fit, and
   * only then returns a promise (to wait while too many commits are outstanding).
   * `known`: the key's canonical text and bytes and the record's hash, when the caller
   * computed them already.
   */
  add(op: Op, known?: KnownParts): Promise<void> | undefined {
    const p = prepareOp(op, known);
    const size = p.value?.length ?? 0;
    // Values over BLOB_IN_COMMIT_MAX go to blob parts outside the commit; the others count.
    const inline = (size <= BLOB_IN_COMMIT_MAX ? size : 64) + 2 * p.kb.length + 80;
    if (
      this.#ops.length >= COMMIT_OPS_MAX || this.#inline + inline > COMMIT_BYTES_MAX ||
      this.#bytes + size > PENDING_BYTES_MAX
    ) {
      return this.#start().then(() => this.#push(p, inline, size));
    }
    this.#push(p, inline, size);
  }

  #push(p: PreparedOp, inline: number, size: number): void {
    this.#ops.push(p);
    this.#inline += inline;
    this.#bytes += size;
  }

  /**
   * Commits what is pending and waits for every commit started; with `force`, commits the
   * meta even with no records.
   */
  async flush(force = false): Promise<void> {
    await this.end(force);
    await this.#inflight.settle();
  }

  /**
   * Hands what is pending to the store (with `force`, the meta even with no records)
   * without waiting for it to land: the caller settles the shared Inflight later.
   */
  async end(force = false): Promise<void> {
    if (this.#ops.length > 0 || force) await this.#start();
  }

  /** Hands the pending batch to the store; keeps at most MAX_OUTSTANDING commits in flight. */
  async #start(): Promise<void> {
    const ops = this.#ops;
    const bytes = this.#bytes;
    const meta = this.#metaFor?.() ?? [];
    this.#ops = [];
    this.#inline = 0;
    this.#bytes = 0;
    const inflight = this.#inflight;
    const written = this.#store.write(ops, meta, { split: true, chain: inflight.chain }).then(
      () => {
        this.records += ops.length;
        this.#onFlush?.(ops.length, bytes);
      },
    );
    written.catch(() => {}); // handled where it is awaited: the next add, end or settle
    inflight.pending.push(written);
    while (inflight.pending.length > MAX_OUTSTANDING) await inflight.pending.shift();
  }
}
