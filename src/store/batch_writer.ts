import {
  COMMIT_BYTES_MAX,
  COMMIT_OPS_MAX,
  INLINE_MAX,
  type MetaOp,
  type Op,
  type Store,
} from "./store.ts";

/** Big values are staged outside the commit, but still held until it: bound the memory. */
const PENDING_BYTES_MAX = 4 * 1024 * 1024;

/**
 * Groups many record writes into commits that fit KV's limits (1000 mutations, 800 KiB).
 * Each commit is atomic and may carry meta writes (a checkpoint) computed at flush time,
 * so what the meta says always matches the records committed with it.
 */
export class BatchWriter {
  #store: Store;
  #ops: Op[] = [];
  #inline = 0;
  #bytes = 0;
  #metaFor: (() => MetaOp[]) | undefined;
  #onFlush: ((records: number, bytes: number) => void) | undefined;
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

  /** Adds one op; commits first if it would not fit. */
  async add(op: Op): Promise<void> {
    const size = op.value?.length ?? 0;
    // Big values go to blob parts outside the commit; only inline ones count against it.
    const inline = size <= INLINE_MAX ? size + 64 : 64;
    if (
      this.#ops.length >= COMMIT_OPS_MAX || this.#inline + inline > COMMIT_BYTES_MAX ||
      this.#bytes + size > PENDING_BYTES_MAX
    ) {
      await this.flush();
    }
    this.#ops.push(op);
    this.#inline += inline;
    this.#bytes += size;
  }

  /** Commits what is pending; with `force`, commits the meta even with no records. */
  async flush(force = false): Promise<void> {
    if (this.#ops.length === 0 && !force) return;
    const n = this.#ops.length;
    const bytes = this.#bytes;
    await this.#store.write(this.#ops, this.#metaFor?.() ?? []);
    this.#ops = [];
    this.#inline = 0;
    this.#bytes = 0;
    this.records += n;
    this.#onFlush?.(n, bytes);
  }
}
