/**
 * The follower of a live replica: keeps a store in step with a source through the change
 * feed. It starts with an ordinary pull when the store has no checkpoint for this source,
 * applies every change with its checkpoint in the same commit, and reconnects with backoff
 * and resumes from the checkpoint when the link drops, until it is told to stop.
 *
 * @module
 */
import { Code, CtdlError } from "../errors.ts";
import { type FollowState, readFollowCheckpoint, writeFollowState } from "../store/replica.ts";
import { followCheckpointOp } from "../store/replica.ts";
import type { Store } from "../store/store.ts";
import { TABLE_NAMES } from "../store/tables.ts";
import type { CitadelClient } from "./connection.ts";
import { FeedApplier } from "./feed_applier.ts";
import { readFeed } from "./feed_reader.ts";
import { checkpointOf, type OnProgress } from "./pull.ts";
import { openSource, probeSync, runSync, type SourceOptions } from "./run_pull.ts";

/** How to follow. */
export interface FollowOptions extends SourceOptions {
  /** Aborting stops the follower cleanly (the feed is ended with STOP). */
  signal: AbortSignal;
  /** Heartbeat to ask the source for, in seconds (default 5). */
  heartbeat?: number;
  /** Called on every change of state (for a progress line). */
  onState?: (st: FollowState) => void;
  /** Progress of the initial pull. */
  onProgress?: OnProgress;
}

/** Replies that no retry can fix: wrong password, no such user, not an Aide. */
const FATAL = new Set<number>([
  Code.PASSWORD_REQUIRED,
  Code.NO_SUCH_USER,
  Code.HIGHER_ACCESS_REQUIRED,
  Code.CMD_NOT_SUPPORTED,
]);
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;
/** `status` reads the state from the store; rewriting it more often is wasted work. */
const STATE_WRITE_MS = 1000;

/**
 * Follows `opts.from` into `store` until `opts.signal` aborts. Throws only for what a retry
 * cannot fix (credentials, access, a source without SYNC).
 */
export async function follow(store: Store, opts: FollowOptions): Promise<FollowState> {
  const st: FollowState = {
    state: "connecting",
    source: opts.from,
    sourceStamp: 0,
    applied: (await readFollowCheckpoint(store))?.stamp ?? 0,
    lagMs: 0,
    changes: 0,
    heardAt: "",
    at: new Date().toISOString(),
    error: "",
  };
  let written = 0;
  let trailing: ReturnType<typeof setTimeout> | undefined;
  const save = async () => {
    clearTimeout(trailing);
    trailing = undefined;
    written = Date.now();
    if (!store.closed) await writeFollowState(store, st);
  };
  const report = async (force = false) => {
    st.at = new Date().toISOString();
    opts.onState?.(st);
    if (force || Date.now() - written >= STATE_WRITE_MS) return await save();
    // Within the interval: the latest state is still written once it has passed.
    trailing ??= setTimeout(() => void save().catch(() => {}), STATE_WRITE_MS);
  };
  let backoff = 0;
  let first = true;
  while (!opts.signal.aborted) {
    try {
      await session({ store, opts, st, report }, () => {
        first = false;
        backoff = 0;
      });
    } catch (e) {
      if (first && e instanceof CtdlError && FATAL.has(e.code)) throw e;
      st.error = (e as Error).message;
    }
    if (opts.signal.aborted) break;
    st.state = "reconnecting";
    await report(true);
    backoff = Math.min(Math.max(backoff * 2, BACKOFF_MIN_MS), BACKOFF_MAX_MS);
    await sleep(backoff, opts.signal);
  }
  st.state = "stopped";
  st.lagMs = 0;
  await report(true);
  clearTimeout(trailing);
  return st;
}

/** What the follower calls itself (IDEN), as seen in the source's RWHO. */
const FOLLOW_CLIENT = "ctdlsync follow";

/** What every connection of one follower run shares. */
interface FollowRun {
  store: Store;
  opts: FollowOptions;
  st: FollowState;
  /** Shows (and records) the state; `force` even when nothing changed. */
  report: (force?: boolean) => Promise<void>;
}

/**
 * One connection: the initial copy if needed (the online pull, over a connection of its
 * own), then the feed until it ends or fails. `connected` is called at the feed's first mark.
 */
async function session(run: FollowRun, connected: () => void): Promise<void> {
  const { store, opts, st, report } = run;
  let client = await openSource(opts, FOLLOW_CLIENT);
  try {
    const { storeId } = await probeSync(client, opts.from);
    let cp = await readFollowCheckpoint(store);
    if (!cp || cp.storeId !== storeId) {
      // Empty, a copy of something else, or of a source that was replaced: pull first.
      client.close();
      st.state = "copying";
      await report(true);
      await runSync(store, { ...opts, signal: opts.signal, onProgress: opts.onProgress });
      cp = { source: opts.from, storeId, stamp: await pulledStamp(store, storeId) };
      await store.write([], [followCheckpointOp(cp)]);
      client = await openSource(opts, FOLLOW_CLIENT);
    }
    await feed(run, client, cp.stamp, storeId, connected);
  } finally {
    client.close();
  }
}

/** Applies the feed from `stamp` until it ends, fails, or the follower is stopped. */
async function feed(
  run: FollowRun,
  client: CitadelClient,
  stamp: number,
  storeId: string,
  connected: () => void,
): Promise<void> {
  const { store, opts, st, report } = run;
  const applier = new FeedApplier(store, opts.from, storeId, stamp);
  st.applied = stamp;
  const events = readFeed(client, stamp, opts.heartbeat ?? 5, (h) => {
    st.sourceStamp = Math.max(st.sourceStamp, h.stamp);
    if (h.storeId !== storeId) throw new CtdlError(Code.NOT_HERE, "source store changed");
  }, opts.signal);
  for await (const ev of events) {
    st.heardAt = new Date().toISOString();
    if (opts.signal.aborted) continue; // drain to the server's END; apply nothing more
    if (ev.kind === "record") {
      await applier.add(ev.table, ev.key, ev.value, ev.stamp);
      st.lagMs = Date.now() - (applier.pendingSince ?? Date.now());
      continue;
    }
    const before = applier.records;
    await applier.mark(ev.stamp);
    connected();
    st.state = "following";
    st.error = "";
    st.sourceStamp = Math.max(st.sourceStamp, ev.stamp);
    st.applied = applier.applied;
    st.changes += applier.records - before;
    st.lagMs = 0;
    await report();
  }
}

/**
 * The source stamp a follower may start from after a pull: the lowest of the tables'
 * checkpoints (each table was copied as of its own reply's stamp; replaying a little
 * more than needed is harmless, as the feed sends every record's current value).
 */
async function pulledStamp(store: Store, storeId: string): Promise<number> {
  let min = Number.MAX_SAFE_INTEGER;
  for (const t of TABLE_NAMES) {
    const cp = await checkpointOf(store, t);
    if (!cp || cp.storeId !== storeId || cp.phase !== "done") return 0;
    min = Math.min(min, cp.stamp);
  }
  return min;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
