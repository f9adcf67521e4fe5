/**
 * Benchmark pieces of the online pull (issue 8), for `bench/bench.ts` to report and to run
 * on their own at a small size:
 *
 *   deno run -A --unstable-kv bench/online.ts --messages 2000 [--json]
 *
 * - `measureCutoverLockout`: a generated system is pulled online, 100 messages are posted
 *   through the client protocol, then `pull --cutover` copies that last delta under
 *   single-user mode; the figure is the lockout the pull prints (SNGL granted to ESNG sent).
 * - `measureOnlinePull`: the same full pull twice into empty stores, once with no writes
 *   and once while a client posts 20 messages a second; `online_pull_ratio` is busy/quiet.
 *
 * Source and pulls are `ctdlsync serve` and `ctdlsync pull` processes, as a user runs them.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { runSync } from "../src/client/run_pull.ts";
import { log } from "../src/log.ts";
import { Store } from "../src/store/store.ts";
import { startPoster } from "../src/tools/poster.ts";
import { ctdlsyncArgs } from "../src/tools/run_args.ts";
import { generateSystem } from "../src/tools/seed.ts";
import { spawnServe } from "../src/tools/serve_process.ts";

const SYSOP = { name: "SysOp", password: "sysop-pass" };
/** A user of every generated system that may post in the Lobby. */
const POSTER = { name: "User 2", password: "password-2" };

/** Generates the source system (the bench's shape) into `dir`. */
async function makeSource(dir: string, messages: number, seed: number): Promise<void> {
  const store = await Store.open(dir, { create: true });
  try {
    await generateSystem(store, { users: 200, rooms: 50, messages, files: 20, seed });
  } finally {
    await store.close();
  }
}

/** Runs `ctdlsync pull` as a child process; wall time and what it printed. */
async function pullProcess(
  address: string,
  dataDir: string,
  root: string,
  extra: string[] = [],
): Promise<{ seconds: number; stdout: string }> {
  const pw = `${root}/password`;
  await Deno.writeTextFile(pw, `${SYSOP.password}\n`);
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ctdlsyncArgs([
      "pull",
      "--from",
      address,
      "--user",
      SYSOP.name,
      "--password-file",
      pw,
      "--data",
      dataDir,
      ...extra,
    ]),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - t0) / 1000;
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`pull failed (${out.code}): ${dec.decode(out.stderr)}`);
  return { seconds, stdout: dec.decode(out.stdout) };
}

/** Options of both measurements. */
export interface OnlineBenchOptions {
  messages: number;
  seed?: number;
  /** A temporary directory to work in (removed by the caller). */
  root: string;
}

/** The cutover figure: `cutover_lockout_s`. */
export interface CutoverFigures {
  cutover_lockout_s: number;
  /** Changes made on the source between the online copy and the cutover. */
  changes: number;
  cutover_total_s: number;
}

/**
 * An online pull (a `ctdlsync pull` process), then a cutover pull whose online phase has
 * converged when `changes` messages are posted through ENT0, right before it asks for
 * SNGL: those are the last delta it copies under single-user mode. The figure is its
 * lockout, from SNGL granted to ESNG sent.
 */
export async function measureCutoverLockout(
  opts: OnlineBenchOptions & { changes?: number },
): Promise<CutoverFigures> {
  const changes = opts.changes ?? 100;
  await makeSource(`${opts.root}/cut-source`, opts.messages, opts.seed ?? 1);
  const server = await spawnServe(`${opts.root}/cut-source`);
  try {
    await pullProcess(server.address, `${opts.root}/cut-copy`, opts.root);
    const copy = await Store.open(`${opts.root}/cut-copy`);
    let posted = 0;
    const t0 = performance.now();
    try {
      const result = await runSync(copy, {
        from: server.address,
        user: SYSOP.name,
        password: SYSOP.password,
        cutover: true,
        wait: 1,
        onNotice: async () => {
          const poster = await startPoster(server.address, POSTER, {
            perSecond: 1000,
            max: changes,
          });
          posted = await poster.done;
          await poster.stop();
        },
      });
      if (!result.identical) throw new Error(`cutover not identical: ${result.problem}`);
      return {
        cutover_lockout_s: result.lockoutSeconds!,
        changes: posted,
        cutover_total_s: (performance.now() - t0) / 1000,
      };
    } finally {
      await copy.close();
    }
  } finally {
    await server.stop();
  }
}

/** The online pull figures: `online_pull_ratio` and the two times it compares. */
export interface OnlinePullFigures {
  online_pull_ratio: number;
  quiet_pull_s: number;
  busy_pull_s: number;
  /** Messages posted while the busy pull ran. */
  posted_during: number;
}

/**
 * The same full pull twice into empty stores: with no writes, and while a client posts
 * `perSecond` (20) messages a second through ENT0.
 */
export async function measureOnlinePull(
  opts: OnlineBenchOptions & { perSecond?: number },
): Promise<OnlinePullFigures> {
  await makeSource(`${opts.root}/online-source`, opts.messages, opts.seed ?? 1);
  const server = await spawnServe(`${opts.root}/online-source`);
  try {
    const quiet = await pullProcess(server.address, `${opts.root}/online-quiet`, opts.root);
    const poster = await startPoster(server.address, POSTER, { perSecond: opts.perSecond ?? 20 });
    let busy;
    let before = 0;
    try {
      before = poster.posted;
      busy = await pullProcess(server.address, `${opts.root}/online-busy`, opts.root);
    } finally {
      await poster.stop();
    }
    return {
      online_pull_ratio: busy.seconds / quiet.seconds,
      quiet_pull_s: quiet.seconds,
      busy_pull_s: busy.seconds,
      posted_during: poster.posted - before,
    };
  } finally {
    await server.stop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      messages: { type: "string", default: "2000" },
      seed: { type: "string", default: "1" },
      json: { type: "boolean", default: false },
    },
  });
  log.quiet = true;
  const root = await Deno.makeTempDir({ prefix: "ctdlsync-bench-online-" });
  try {
    const opts = { messages: Number(values.messages), seed: Number(values.seed), root };
    const cut = await measureCutoverLockout(opts);
    const online = await measureOnlinePull(opts);
    if (values.json) console.log(JSON.stringify({ ...cut, ...online }, null, 2));
    else {
      console.log(`online pull bench: ${opts.messages} messages`);
      console.log(
        `cutover lockout   ${cut.cutover_lockout_s.toFixed(3)} s  ` +
          `(${cut.changes} changes since the online copy; target < 1 s)`,
      );
      console.log(
        `online pull       ${online.busy_pull_s.toFixed(2)} s under 20 posts/s ` +
          `(${online.posted_during} posted) vs ${online.quiet_pull_s.toFixed(2)} s quiet: ` +
          `ratio ${online.online_pull_ratio.toFixed(2)}`,
      );
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}
