/**
 * Bulk writes that overlap with the work producing them: records are grouped into commits
 * within KV's limits (as BatchWriter does), and up to `depth` commits are in flight while
 * the caller goes on reading and decoding. The store serialises commits in order, so the
 * result is the same as committing one after another; only the waiting is gone.
 *
 * @module
 */

import {
  COMMIT_BYTES_MAX,
  COMMIT_OPS_MAX,
  INLINE_MAX,
  type Op,
  type Store,
} from "../store/store.ts";

/** Bytes held in batches not yet committed, over all of them: bounds the memory. */
const PENDING_BYTES_MAX = 4 * 1024 * 1024;

/** Groups ops into commits and keeps up to `depth` of them in flight. */
export class PipelinedWriter {
  #store: Store;
  #depth: number;
  #ops: Op[] = [];
  #inline = 0;
  #bytes = 0;
  #inflight: Promise<void>[] = [];
  #failed: unknown;
  /** Records handed to the store so far. */
  records = 0;

  constructor(store: Store, depth = 2) {
    this.#store = store;
    this.#depth = Math.max(1, depth);
  }

  /** Adds one op; starts a commit first if it would not fit in the current batch. */
  async add(op: Op): Promise<void> {
    const size = op.value?.length ?? 0;
    const inline = size <= INLINE_MAX ? size + 64 : 64;
    if (
      this.#ops.length >= COMMIT_OPS_MAX || this.#inline + inline > COMMIT_BYTES_MAX ||
      this.#bytes + size > PENDING_BYTES_MAX / (this.#depth + 1)
    ) {
      await this.#send();
    }
    this.#ops.push(op);
    this.#inline += inline;
    this.#bytes += size;
  }

  async #send(): Promise<void> {
    if (this.#failed) throw this.#failed;
    if (this.#ops.length === 0) return;
    while (this.#inflight.length >= this.#depth) await this.#inflight.shift();
    if (this.#failed) throw this.#failed;
    const ops = this.#ops;
    this.records += ops.length;
    this.#ops = [];
    this.#inline = 0;
    this.#bytes = 0;
    this.#inflight.push(
      this.#store.write(ops).then(() => {}, (e) => {
        this.#failed ??= e;
      }),
    );
  }

  /** Commits everything pending and waits for every commit; throws the first failure. */
  async flush(): Promise<void> {
    await this.#send();
    await Promise.all(this.#inflight);
    this.#inflight = [];
    if (this.#failed) throw this.#failed;
  }
}
