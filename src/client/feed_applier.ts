/**
 * Applies a live feed's records to a store in commits that each carry the follow
 * checkpoint, so the store never holds records its checkpoint does not account for.
 * Records of one source commit share a stamp and arrive in stamp order; a commit made
 * before a MARK (the batch was full) says "done up to the last stamp in it, minus one",
 * so a resume replays that source commit whole rather than skipping its rest.
 *
 * @module
 */
import { BatchWriter } from "../store/batch_writer.ts";
import { followCheckpointOp } from "../store/replica.ts";
import type { Store } from "../store/store.ts";
import type { TableName } from "../store/tables.ts";
import type { KeyPart } from "../wire/record_key.ts";

/** Buffers feed records and commits them with their checkpoint. */
export class FeedApplier {
  #writer: BatchWriter;
  /** Stamp of the last record handed to the writer. */
  #last = -1;
  /** At a MARK: the stamp the source says is complete. */
  #marking: number | null = null;
  /** Source stamp committed here (as of the last MARK). */
  applied: number;
  /** Records committed since this applier was made. */
  records = 0;
  /** When the oldest uncommitted record arrived (ms), or null. */
  pendingSince: number | null = null;

  constructor(store: Store, source: string, storeId: string, applied: number) {
    this.applied = applied;
    this.#writer = new BatchWriter(store, {
      metaFor: () => {
        const stamp = this.#marking ?? Math.max(this.applied, this.#last - 1);
        return [followCheckpointOp({ source, storeId, stamp })];
      },
      onFlush: (n) => this.records += n,
    });
  }

  /** Adds one record; the writer commits a full batch on its own. */
  async add(table: TableName, key: KeyPart[], value: Uint8Array | null, stamp: number) {
    // A batch the writer starts here holds the records before this one: `#last` is still
    // the stamp of the last of them while it asks for the checkpoint.
    await this.#writer.add({ table, key, value });
    this.#last = stamp;
    this.pendingSince ??= Date.now();
  }

  /** The source says everything up to `stamp` has been sent: commit it all. */
  async mark(stamp: number): Promise<void> {
    if (this.pendingSince === null && stamp <= this.applied) return;
    this.#marking = stamp;
    try {
      await this.#writer.flush(true);
    } finally {
      this.#marking = null;
    }
    this.applied = stamp;
    this.pendingSince = null;
  }
}
