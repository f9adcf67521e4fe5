/**
 * Where a store came from and how its last pull ended, kept in the store's meta so
 * `ctdlsync status` answers with two KV reads.
 *
 * @module
 */
import type { MetaValue, Store } from "./store.ts";

/** The source a store was pulled or imported from. */
export interface Origin {
  /** `HOST:PORT` of a pull, or `migr:FILE` of an import. */
  source: string;
  /** The source store's id (empty for an import). */
  storeId: string;
  [k: string]: MetaValue;
}

/** How the last pull ended. */
export interface PullResult {
  /** ISO time the pull ended. */
  at: string;
  /** `identical`, `verification failed`, `dry run` or an error line. */
  result: string;
  exitCode: number;
  stamp: number;
  [k: string]: MetaValue;
}

const ORIGIN = ["m", "x", "origin"];
const LAST_PULL = ["m", "x", "last-pull"];

/**
 * The store's origin. Written outside the record commits on purpose: it describes the
 * store and must not move the change stamp a mirror compares against.
 */
export async function readOrigin(store: Store): Promise<Origin | null> {
  return (await store.kv.get<Origin>(ORIGIN)).value;
}

/** Records where the store's data comes from. */
export async function writeOrigin(store: Store, origin: Origin): Promise<void> {
  await store.kv.set(ORIGIN, origin);
}

/** The last pull's result, or null when the store was never pulled into. */
export async function readLastPull(store: Store): Promise<PullResult | null> {
  return (await store.kv.get<PullResult>(LAST_PULL)).value;
}

/** Records how a pull ended (the CLI calls it after every pull, failed ones too). */
export async function writeLastPull(store: Store, result: PullResult): Promise<void> {
  await store.kv.set(LAST_PULL, result);
}
