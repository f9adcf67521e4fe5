/**
 * What a store keeps about following another one (a live replica): the checkpoint, which
 * commits with the records it covers; whether the store was promoted; and the follower's
 * live state for `ctdlsync status`.
 *
 * @module
 */
import type { MetaOp, MetaValue, Store } from "./store.ts";

/** How far a follower is: every source change up to `stamp` of store `storeId` is here. */
export interface FollowCheckpoint {
  source: string;
  storeId: string;
  stamp: number;
  [k: string]: MetaValue;
}

/** A promoted store: it stopped following `source` and takes writes of its own. */
export interface Promotion {
  at: string;
  source: string;
  storeId: string;
  [k: string]: MetaValue;
}

/** The follower's live state, rewritten as it changes (not in record commits). */
export interface FollowState {
  /** copying (the initial pull), following, reconnecting, stopped. */
  state: string;
  source: string;
  /** Highest source stamp the source has announced to us. */
  sourceStamp: number;
  /** Source stamp applied here. */
  applied: number;
  /** Age in ms of the oldest change received but not yet applied (0: caught up). */
  lagMs: number;
  /** Changes applied since the follower started. */
  changes: number;
  /** ISO time of the last line from the source (data or heartbeat). */
  heardAt: string;
  /** ISO time of this state. */
  at: string;
  /** Why the last connection ended, when reconnecting. */
  error: string;
  [k: string]: MetaValue;
}

const CHECKPOINT = ["follow"];
const PROMOTED = ["m", "x", "promoted"];
const STATE = ["m", "x", "follow-state"];

/** The follow checkpoint, or null when the store never followed. */
export function readFollowCheckpoint(store: Store): Promise<FollowCheckpoint | null> {
  return store.getMeta<FollowCheckpoint>(CHECKPOINT);
}

/** The meta write that stores the checkpoint in the commit of the records it covers. */
export function followCheckpointOp(cp: FollowCheckpoint | undefined): MetaOp {
  return { key: CHECKPOINT, value: cp };
}

/** The promotion record, or null when the store was never promoted. */
export async function readPromotion(store: Store): Promise<Promotion | null> {
  return (await store.kv.get<Promotion>(PROMOTED)).value;
}

/**
 * Promotes the store: the checkpoint goes (in a commit, so the stamp moves like any local
 * write) and the promotion is recorded. Returns what it followed, or null if nothing.
 */
export async function promote(store: Store): Promise<Promotion | null> {
  const cp = await readFollowCheckpoint(store);
  await store.write([], [followCheckpointOp(undefined)]);
  await store.kv.delete(STATE);
  if (!cp) return null;
  const p: Promotion = { at: new Date().toISOString(), source: cp.source, storeId: cp.storeId };
  await store.kv.set(PROMOTED, p);
  return p;
}

/** Forgets a promotion (`--force` follows the old source again). */
export async function clearPromotion(store: Store): Promise<void> {
  await store.kv.delete(PROMOTED);
}

/** The follower's last recorded state, or null. */
export async function readFollowState(store: Store): Promise<FollowState | null> {
  return (await store.kv.get<FollowState>(STATE)).value;
}

/** Records the follower's state for `status` (outside commits: it must not move the stamp). */
export async function writeFollowState(store: Store, st: FollowState): Promise<void> {
  await store.kv.set(STATE, st);
}
