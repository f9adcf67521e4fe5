import type { KeyPart } from "../wire/record_key.ts";
import type { TableName } from "./tables.ts";

/**
 * One change to one record: `value` null deletes it. Ops of one `write` commit together.
 */
export interface Op {
  table: TableName;
  key: KeyPart[];
  value: Uint8Array | null;
}

/** A record as read back: key, value bytes and the stamp of the commit that last wrote it. */
export interface StoredRecord {
  key: KeyPart[];
  value: Uint8Array;
  stamp: number;
  /** The record's hash as stored (`recordHash`), so a reader need not hash it again. */
  hash: bigint;
}

/** One entry of a table's change log: a live record, or a tombstone left by a delete. */
export interface Change {
  key: KeyPart[];
  stamp: number;
  /** The record now, or null for a tombstone. */
  value: Uint8Array | null;
  /** The record's stored hash (absent for a tombstone). */
  hash?: bigint;
}

/** A table's summary: what two stores compare to know whether they agree. */
export interface TableStats {
  table: TableName;
  count: number;
  /** Order-independent 64-bit digest, 16 hex digits. */
  digest: string;
  /** Sum of the value sizes in bytes. */
  bytes: number;
  /** Highest change stamp of any record or tombstone of the table (0: never written). */
  stamp: number;
}

/** What a free-form meta value may be (checkpoints and the like). */
export type MetaValue = string | number | boolean | null | MetaValue[] | {
  [k: string]: MetaValue;
};

/** Extra writes that must land in the same commit as the ops (e.g. a sync checkpoint). */
export interface MetaOp {
  key: KeyPart[];
  value: MetaValue | undefined;
}

/** The reads a transaction may do before it decides its ops. */
export interface Reader {
  get(table: TableName, key: KeyPart[]): Promise<Uint8Array | null>;
}
