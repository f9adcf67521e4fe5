import {
  COMMIT_BYTES_MAX,
  COMMIT_OPS_MAX,
  INLINE_MAX,
  type MetaOp,
  type Op,
  type PreparedOp,
  prepareOp,
  type Store,
} from "./store.ts";
import { CommitTooBig } from "./commit.ts";

/** Big values are staged outside the commit, but still held until it: bound the memory. */
const PENDING_BYTES_MAX = 4 * 1024 * 1024;

/**
 * Groups many record writes into commits that fit KV's limits (1000 mutations, 800 KiB).
 * Each commit is atomic and may carry meta writes (a checkpoint) computed at flush time,
 * so what the meta says always matches the records committed with it.
 *
 * One commit runs while the next batch fills: `add` checks and hashes each op as it comes
 * (on the JavaScript thread) while KV writes the previous batch (on its own thread). A
 * batch that turns out to need more mutations than KV allows (many rewrites or deletes) is
 * split in two, the meta going with the second half.
 */
export class BatchWriter {
  #store: Store;
  #ops: PreparedOp[] = [];
  #inline = 0;
  #bytes = 0;
  #metaFor: (() => MetaOp[]) | undefined;
  #onFlush: ((records: number, bytes: number) => void) | undefined;
  #inFlight: Promise<void> = Promise.resolve();
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
    // Big values go to blob parts outside the commit; only inline ones count against it.
    const inline = (size <= INLINE_MAX ? size : 64) + 2 * p.kb.length + 80;
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
    await this.#inFlight;
  }

  /** Starts committing the pending batch once the one before it has landed. */
  async #start(): Promise<void> {
    const ops = this.#ops;
    const bytes = this.#bytes;
    const meta = this.#metaFor?.() ?? [];
    this.#ops = [];
    this.#inline = 0;
    this.#bytes = 0;
    const previous = this.#inFlight;
    this.#inFlight = previous.then(async () => {
      await this.#commit(ops, meta);
      this.records += ops.length;
      this.#onFlush?.(ops.length, bytes);
    });
    this.#inFlight.catch(() => {}); // handled where it is awaited: the next add or flush
    // At most one commit waits behind the running one, so memory stays bounded; an error
    // of either surfaces here, at the next add or flush.
    await previous;
  }

  async #commit(ops: PreparedOp[], meta: MetaOp[]): Promise<void> {
    try {
      await this.#store.write(ops, meta);
    } catch (e) {
      if (!(e instanceof CommitTooBig) || ops.length < 2) throw e;
      const half = Math.ceil(ops.length / 2);
      await this.#commit(ops.slice(0, half), []);
      await this.#commit(ops.slice(half), meta);
    }
  }
}
