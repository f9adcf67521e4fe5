/**
 * Applies a live feed's records to a store in commits that each carry the follow
 * checkpoint, so the store never holds records its checkpoint does not account for.
 * Records of one source commit share a stamp; the checkpoint only ever names a stamp whose
 * records are all in (or stamp − 1 when a commit had to be split, so a resume replays it).
 *
 * @module
 */
import type { KeyPart } from "../store/_hash.ts";
import { followCheckpointOp } from "../store/replica.ts";
import {
  COMMIT_BYTES_MAX,
  COMMIT_OPS_MAX,
  INLINE_MAX,
  type Op,
  type Store,
} from "../store/store.ts";
import type { TableName } from "../store/tables.ts";

/** Pending big values are held until their commit: bound the memory they take. */
const PENDING_BYTES_MAX = 4 * 1024 * 1024;

/** Buffers feed records and commits them with their checkpoint. */
export class FeedApplier {
  #store: Store;
  #source: string;
  #storeId: string;
  #ops: Op[] = [];
  #inline: number[] = [];
  #bytes = 0;
  /** Ops before this index belong to source commits that arrived whole. */
  #whole = 0;
  #groupStamp = -1;
  /** Checkpoint for the ops before `#whole`. */
  #wholeStamp: number;
  /** Source stamp committed here. */
  applied: number;
  /** Records committed since this applier was made. */
  records = 0;
  /** When the oldest uncommitted record arrived (ms), or null. */
  pendingSince: number | null = null;

  constructor(store: Store, source: string, storeId: string, applied: number) {
    this.#store = store;
    this.#source = source;
    this.#storeId = storeId;
    this.applied = applied;
    this.#wholeStamp = applied;
  }

  /** Adds one record; commits first what is complete when the commit would overflow. */
  async add(table: TableName, key: KeyPart[], value: Uint8Array | null, stamp: number) {
    if (stamp !== this.#groupStamp) {
      if (this.#groupStamp >= 0) this.#wholeStamp = this.#groupStamp;
      this.#whole = this.#ops.length;
      this.#groupStamp = stamp;
    }
    const size = value?.length ?? 0;
    const inline = size <= INLINE_MAX ? size + 64 : 64;
    const sum = this.#inline.reduce((a, b) => a + b, 0);
    if (
      this.#ops.length >= COMMIT_OPS_MAX || sum + inline > COMMIT_BYTES_MAX ||
      this.#bytes + size > PENDING_BYTES_MAX
    ) {
      // One source commit too big for one commit here is split; its checkpoint says
      // stamp − 1 until its last part is in.
      if (this.#whole > 0) await this.#commit(this.#whole, this.#wholeStamp);
      else await this.#commit(this.#ops.length, stamp - 1);
    }
    this.#ops.push({ table, key, value });
    this.#inline.push(inline);
    this.#bytes += size;
    this.pendingSince ??= Date.now();
  }

  /** The source says everything up to `stamp` has been sent: commit it all. */
  async mark(stamp: number): Promise<void> {
    if (this.#ops.length === 0 && stamp <= this.applied) return;
    await this.#commit(this.#ops.length, stamp);
    this.#groupStamp = -1;
    this.#whole = 0;
    this.#wholeStamp = stamp;
  }

  async #commit(n: number, stamp: number): Promise<void> {
    const ops = this.#ops.slice(0, n);
    const cp = { source: this.#source, storeId: this.#storeId, stamp };
    await this.#store.write(ops, [followCheckpointOp(cp)]);
    this.#ops = this.#ops.slice(n);
    this.#inline = this.#inline.slice(n);
    this.#bytes = this.#ops.reduce((a, op) => a + (op.value?.length ?? 0), 0);
    this.#whole -= Math.min(n, this.#whole);
    this.records += n;
    this.applied = Math.max(this.applied, stamp);
    this.pendingSince = this.#ops.length > 0 ? Date.now() : null;
  }
}
