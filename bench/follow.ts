/**
 * Follow lag of a live replica, measured from outside as a user would see it:
 *
 *   deno run -A --unstable-kv bench/follow.ts [--seconds 60] [--rate 50] [--json]
 *
 * A generated source and a `serve --replica-of` replica run as child processes. Posters
 * send `ENT0` to the source at `rate` posts a second for `seconds`; a reader on the replica
 * polls for each message. Lag = time from the post's confirmation on the source to the
 * message being readable (`MSG0`) on the replica. Keys: follow_lag_p50_ms, follow_lag_p99_ms.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { CitadelClient } from "../src/client/connection.ts";
import { log } from "../src/log.ts";
import { Store } from "../src/store/store.ts";
import { postViaClient, readViaClient } from "../src/tools/live_posts.ts";
import { generateSystem } from "../src/tools/seed.ts";
import { spawnServe } from "../src/tools/serve_process.ts";

/** What `measureFollowLag` reports. */
export interface FollowLag {
  follow_lag_p50_ms: number;
  follow_lag_p99_ms: number;
  follow_lag_max_ms: number;
  /** Posts made and the rate they were actually made at (the source may be slower). */
  follow_posts: number;
  follow_rate_achieved: number;
}

const POSTERS = 4;

/** Runs source and replica, posts at `rate` for `seconds`, returns the lag percentiles. */
export async function measureFollowLag(
  opts: { seconds?: number; rate?: number } = {},
): Promise<FollowLag> {
  const seconds = opts.seconds ?? 60;
  const rate = opts.rate ?? 50;
  log.quiet = true;
  const root = await Deno.makeTempDir({ prefix: "ctdlsync-follow-bench-" });
  const store = await Store.open(`${root}/src`, { create: true });
  await generateSystem(store, { users: 5, rooms: 3, messages: 200, files: 1, seed: 1 });
  await store.close();
  await Deno.writeTextFile(`${root}/pw`, "sysop-pass\n");
  const source = await spawnServe(`${root}/src`);
  const replica = await spawnServe(`${root}/rep`, {
    args: ["--replica-of", source.address, "--user", "SysOp", "--password-file", `${root}/pw`],
  });
  const connect = async (address: string) => {
    const c = await CitadelClient.connect(address);
    await c.login("SysOp", "sysop-pass");
    const r = await c.command("GOTO Lobby");
    if (r.code !== 200) throw new Error(`GOTO Lobby: ${r.line}`);
    return c;
  };
  try {
    // The replica's port opens before its initial copy is done: wait until it is identical.
    const digests = async (address: string) => {
      const c = await CitadelClient.connect(address);
      await c.login("SysOp", "sysop-pass");
      const { lines } = await c.listing("SYNC all|info");
      await c.quit();
      return lines.map((l) => l.split("|").slice(0, 3).join("|")).join();
    };
    for (
      let i = 0;
      await digests(replica.address).catch(() => "") !== await digests(source.address);
      i++
    ) {
      if (i > 600) throw new Error("the replica did not copy the source");
      await new Promise((r) => setTimeout(r, 50));
    }
    const reader = await connect(replica.address);
    const posters = await Promise.all(
      Array.from({ length: POSTERS }, () => connect(source.address)),
    );
    const total = Math.round(seconds * rate);
    const posted: { n: number; at: number }[] = [];
    const lags: number[] = [];
    const start = performance.now();
    let next = 0;
    // The reader takes posts in the order their confirmations arrived.
    const readAll = async (): Promise<void> => {
      let i = 0;
      while (i < total) {
        if (i >= posted.length) {
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
        const lines = await readViaClient(reader, posted[i].n);
        if (lines) {
          lags.push(performance.now() - posted[i].at);
          i++;
        }
      }
    };
    // Each poster takes the next post once its time has come; a late post goes at once.
    await Promise.all(
      posters.map(async (c) => {
        while (next < total) {
          const k = next++;
          const due = start + (k * 1000) / rate;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const n = await postViaClient(c, `lag ${k}`, `follow lag probe ${k}`);
          posted.push({ n, at: performance.now() });
        }
      }).concat(readAll()),
    );
    const elapsed = (performance.now() - start) / 1000;
    for (const c of [...posters, reader]) await c.quit();
    lags.sort((a, b) => a - b);
    const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))];
    return {
      follow_lag_p50_ms: round(pct(0.5)),
      follow_lag_p99_ms: round(pct(0.99)),
      follow_lag_max_ms: round(lags.at(-1) ?? 0),
      follow_posts: total,
      follow_rate_achieved: round(total / elapsed),
    };
  } finally {
    await replica.stop();
    await source.stop();
    await Deno.remove(root, { recursive: true });
  }
}

const round = (x: number) => Math.round(x * 10) / 10;

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seconds: { type: "string", default: "60" },
      rate: { type: "string", default: "50" },
      json: { type: "boolean", default: false },
    },
  });
  const r = await measureFollowLag({ seconds: Number(values.seconds), rate: Number(values.rate) });
  if (values.json) console.log(JSON.stringify(r));
  else {
    console.log(
      `follow lag at ${values.rate} posts/s for ${values.seconds} s (achieved ` +
        `${r.follow_rate_achieved}/s, ${r.follow_posts} posts): p50 ${r.follow_lag_p50_ms} ms, ` +
        `p99 ${r.follow_lag_p99_ms} ms, max ${r.follow_lag_max_ms} ms (target p99 < 500 ms)`,
    );
  }
}
