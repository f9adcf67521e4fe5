/**
 * What `pull --follow` and `serve --replica-of` share: the checks before following (a
 * promoted store, a store of other data), the follower itself, and its progress line.
 *
 * @module
 */
import { follow } from "../client/follow.ts";
import { progressLine } from "../client/report.ts";
import { log } from "../log.ts";
import { writeOrigin } from "../store/origin.ts";
import {
  clearPromotion,
  type FollowState,
  readFollowCheckpoint,
  readPromotion,
} from "../store/replica.ts";
import { progressWriter, UsageError } from "./args.ts";
import { checkOrigin } from "./origin_check.ts";
import { onInterrupt } from "./signals.ts";
import { Exit } from "./exit.ts";
import { withLock } from "./locked.ts";
import { Store } from "../store/store.ts";
import type { SourceOpts } from "./source.ts";

/**
 * Refuses to follow a source the store was promoted away from (its own writes since would
 * be overwritten) unless `force`; with `force` the promotion is forgotten.
 */
export async function checkFollowable(store: Store, opts: SourceOpts, force: boolean) {
  await checkOrigin(store, opts, force);
  const p = await readPromotion(store);
  if (!p) return;
  if (!force) {
    throw new UsageError(
      `${store.path.replace(/\/ctdlsync\.kv$/, "")} was promoted at ${p.at} and no longer ` +
        `follows ${p.source}; --force follows it again (local writes since are replaced)`,
    );
  }
  await clearPromotion(store);
}

/** One line for a follower's state. */
export function followLine(st: FollowState): string {
  const behind = Math.max(st.sourceStamp - st.applied, 0);
  return `${st.state} ${st.source}: stamp ${st.applied} of ${st.sourceStamp} (behind ${behind}), ` +
    `${st.changes} changes, lag ${st.lagMs} ms${st.error ? `; last error: ${st.error}` : ""}`;
}

/**
 * Runs the follower until `signal` aborts: with `progress` and a terminal, a progress line
 * in place; otherwise (and always for `serve`, whose log shares stderr) a log line at each
 * change of state. The origin is recorded once it follows.
 */
export async function runFollower(
  store: Store,
  opts: SourceOpts,
  signal: AbortSignal,
  progress: boolean,
): Promise<FollowState> {
  const tty = progress && Deno.stderr.isTerminal();
  const write = progressWriter();
  let last = "";
  let recorded = false;
  return await follow(store, {
    ...opts,
    signal,
    onProgress: tty ? (p) => write(progressLine(p)) : undefined,
    onState: (st) => {
      if (tty) write(followLine(st));
      else if (st.state !== last) log.info(followLine(st));
      last = st.state;
      if (st.state === "following" && !recorded) {
        recorded = true;
        void readFollowCheckpoint(store)
          .then((cp) => writeOrigin(store, { source: opts.from, storeId: cp?.storeId ?? "" }))
          .catch(() => {});
      }
    },
  });
}

/**
 * `pull --follow`: the pull, then the live feed, until SIGINT/SIGTERM (which stop the
 * follower between commits; main prints "interrupted; rerun to resume" and exits 130/143).
 */
export function pullFollow(dir: string, opts: SourceOpts, force: boolean): Promise<number> {
  return withLock(dir, "pull", async () => {
    const store = await Store.open(dir, { create: true });
    const stop = new AbortController();
    let running: Promise<unknown> = Promise.resolve();
    const off = onInterrupt(async () => {
      stop.abort();
      await running.catch(() => {});
      await store.close();
    });
    try {
      await checkFollowable(store, opts, force);
      running = runFollower(store, opts, stop.signal, true);
      await running;
      return Exit.OK;
    } finally {
      off();
      await store.close();
    }
  });
}
