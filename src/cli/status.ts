import { holderAlive, readLock } from "../store/lock.ts";
import { readLastPull, readOrigin } from "../store/origin.ts";
import { readFollowCheckpoint, readFollowState, readPromotion } from "../store/replica.ts";
import { Store } from "../store/store.ts";
import { checkDataDir, need, parseFlags } from "./args.ts";
import type { Command } from "./command.ts";

/** `ctdlsync status`: where a store came from and how its last pull ended (a few KV reads). */
export const status: Command = {
  usage: `status --data DIR [--json]`,
  async run(args) {
    const f = parseFlags(args, { data: "string", json: "boolean" });
    const dir = need(f, "data");
    await checkDataDir(dir);
    const holder = await readLock(dir);
    const store = await Store.open(dir);
    try {
      const info = {
        storeId: store.id,
        stamp: await store.stamp(),
        origin: await readOrigin(store),
        lastPull: await readLastPull(store),
        follow: await followInfo(store),
        heldBy: holder && holderAlive(holder) ? { command: holder.command, pid: holder.pid } : null,
      };
      // A follower killed with -9 left its last state behind: no live holder, not running.
      if (info.follow && !info.heldBy && info.follow.state !== "promoted") {
        info.follow.state = "not running";
      }
      if (f.json === true) {
        console.log(JSON.stringify(info, null, 2));
        return 0;
      }
      const o = info.origin;
      const p = info.lastPull;
      console.log(
        [
          `store     ${info.storeId} at stamp ${info.stamp}`,
          `source    ${
            o ? `${o.source}${o.storeId ? ` (store ${o.storeId})` : ""}` : "none (local data)"
          }`,
          `last pull ${p ? `${p.at}: ${p.result} (exit ${p.exitCode})` : "never"}`,
          `replica   ${replicaLine(info.follow)}`,
          `in use    ${
            info.heldBy ? `by 'ctdlsync ${info.heldBy.command}' (PID ${info.heldBy.pid})` : "no"
          }`,
        ].join("\n"),
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};

/** A follower's checkpoint and live state, or a promotion. */
async function followInfo(store: Store) {
  const cp = await readFollowCheckpoint(store);
  const state = await readFollowState(store);
  const promoted = await readPromotion(store);
  if (!cp && !promoted) return null;
  return {
    source: cp?.source ?? promoted!.source,
    applied: cp?.stamp ?? null,
    state: cp ? state?.state ?? "stopped" : "promoted",
    sourceStamp: state?.sourceStamp ?? null,
    behind: state && cp ? Math.max(state.sourceStamp - cp.stamp, 0) : null,
    lagMs: state?.lagMs ?? null,
    heardAt: state?.heardAt || null,
    stateAt: state?.at ?? null,
    lastError: state?.error || null,
    promotedAt: promoted?.at ?? null,
  };
}

function replicaLine(f: Awaited<ReturnType<typeof followInfo>>): string {
  if (!f) return "no";
  if (f.promotedAt && f.state === "promoted") {
    return `promoted at ${f.promotedAt} (followed ${f.source}); takes writes`;
  }
  const lag = f.behind === null
    ? ""
    : `, behind ${f.behind} commits, lag ${f.lagMs} ms, heard ${f.heardAt ?? "never"}`;
  return `of ${f.source}: ${f.state} (as of ${f.stateAt ?? "-"}), source stamp ${f.applied} ` +
    `applied${lag}${f.lastError ? `; last error: ${f.lastError}` : ""}`;
}
