import { runFallbackPull } from "../app/fallback_pull.ts";
import { progressLine, pullSummary, verdictLine } from "../client/report.ts";
import {
  InterruptedError,
  NoSyncError,
  ONLINE_KEEP_UP_SECONDS,
  type PullResult,
  runSync,
} from "../client/run_pull.ts";
import { readOrigin, writeLastPull, writeOrigin } from "../store/origin.ts";
import { Store } from "../store/store.ts";
import {
  checkDataDir,
  int,
  need,
  parseFlags,
  progressWriter,
  tablesFlag,
  UsageError,
} from "./args.ts";
import type { Command } from "./command.ts";
import { errorExit, Exit } from "./exit.ts";
import { withLock } from "./locked.ts";
import { onInterrupt, removeOnInterrupt } from "./signals.ts";
import { SOURCE_FLAGS, sourceOpts } from "./source.ts";
import { pullFollow } from "./follow.ts";
import { checkOrigin, pulledStoreId } from "./origin_check.ts";

/** Writes origin and last-pull result after a pull, into whatever store DIR now holds. */
async function record(dir: string, from: string, code: number, result: string): Promise<void> {
  const store = await Store.open(dir, { create: true });
  try {
    const stamp = await store.stamp();
    const storeId = await pulledStoreId(store);
    // A pull that failed part-way still made DIR (in part) a copy of `from`: record that, so
    // a plain rerun resumes instead of asking for --force.
    if (code === Exit.OK || storeId || !await readOrigin(store)) {
      await writeOrigin(store, { source: from, storeId });
    }
    await writeLastPull(store, { at: new Date().toISOString(), result, exitCode: code, stamp });
  } finally {
    await store.close();
  }
}

/** Prints a pull's outcome; returns its exit code and the one-word result for `status`. */
function report(r: PullResult, json: boolean): [number, string] {
  if (json) console.log(JSON.stringify({ ok: r.identical || r.dryRun, ...r }, null, 2));
  else {
    console.log(pullSummary(r.tables));
    if (r.lockoutSeconds !== undefined) {
      console.log(
        `lockout: ${r.lockoutSeconds.toFixed(3)} s (single-user from SNGL granted to ESNG sent)`,
      );
    }
    console.log(verdictLine(r));
  }
  if (r.dryRun) return [Exit.OK, "dry run"];
  if (r.identical) return [Exit.OK, "identical"];
  const problem = r.problem ?? "verification failed";
  console.error(`ctdlsync: ${problem}${/run again/.test(problem) ? "" : "; run the pull again"}`);
  return [Exit.VERIFY_FAILED, "verification failed"];
}

/** `ctdlsync pull`: makes DIR a verified duplicate of a source. */
export const pull: Command = {
  interrupted: "interrupted; rerun to resume",
  usage: `pull --from HOST:PORT --user NAME --password-file F --data DIR
          [--tls] [--ca FILE] [--timeout SECS] [--tables LIST] [--dry-run] [--json] [--force]
          [--keep-up SECS]  (how long to keep catching up with a busy source; default ${ONLINE_KEEP_UP_SECONDS})
          [--cutover [--wait SECS] [--expire SECS]]   (online copy, then a short lockout)
          [--migr-file F]   (source without SYNC: MIGR export made on the old host)
          [--follow]        (stay connected and apply every change as it lands: a replica)`,
  async run(args) {
    const f = parseFlags(args, {
      ...SOURCE_FLAGS,
      tables: "string",
      "dry-run": "boolean",
      cutover: "boolean",
      wait: "string",
      expire: "string",
      "migr-file": "string",
      force: "boolean",
      follow: "boolean",
      "keep-up": "string",
    });
    const opts = await sourceOpts(f);
    const dir = need(f, "data");
    if (f.follow === true) {
      for (const flag of ["tables", "dry-run", "cutover", "migr-file", "json", "keep-up"]) {
        if (f[flag] !== undefined) throw new UsageError(`--follow does not go with --${flag}`);
      }
      return await pullFollow(dir, opts, f.force === true);
    }
    const tables = tablesFlag(f);
    const wait = int(f, "wait", 10);
    const expire = int(f, "expire", 60);
    const keepUpSeconds = int(f, "keep-up", ONLINE_KEEP_UP_SECONDS);
    const dryRun = f["dry-run"] === true;
    const cutover = f.cutover === true;
    const json = f.json === true;
    // A dry run creates nothing: without a store there is nothing to lock or compare.
    if (dryRun && !await Deno.stat(`${dir}/ctdlsync.kv`).then(() => true, () => false)) {
      await checkDataDir(dir);
      return report(await online(null), json)[0];
    }
    return await withLock(dir, "pull", async () => {
      const store = await Store.open(dir, { create: !dryRun });
      const tty = Deno.stderr.isTerminal() && !json;
      const write = progressWriter();
      // The fallback is chosen once, at the start: a MIGR file given, or a source whose
      // answer to the SYNC probe is 530 (a stock Citadel). Never in the middle of a pull.
      const fallback = async (): Promise<[number, string]> => {
        const migrFile = f["migr-file"] as string | undefined;
        if (tables !== undefined || dryRun || cutover) {
          throw new UsageError("--tables, --dry-run and --cutover need a source that speaks SYNC");
        }
        if (migrFile && !await Deno.stat(migrFile).then(() => true, () => false)) {
          throw new UsageError(`cannot read ${migrFile}`);
        }
        await store.close();
        const reports = await runFallbackPull(dir, {
          ...opts,
          migrFile,
          onProgress: tty ? write : undefined,
          onStage: removeOnInterrupt,
        });
        const ok = reports.every((r) => r.verified);
        if (json) console.log(JSON.stringify({ ok, tables: reports }, null, 2));
        else console.log(pullSummary(reports));
        if (!ok) console.error("ctdlsync: verification failed for some tables; run the pull again");
        return ok ? [Exit.OK, "identical"] : [Exit.VERIFY_FAILED, "verification failed"];
      };
      let code: number = Exit.FAILED;
      let result = "failed";
      let checked = false;
      try {
        await checkOrigin(store, opts, f.force === true);
        checked = true;
        if (f["migr-file"] !== undefined) [code, result] = await fallback();
        else {
          const r = await online(store, tty ? write : undefined).catch((e) => {
            if (e instanceof NoSyncError) return null;
            throw e;
          });
          [code, result] = r === null ? await fallback() : report(r, json);
        }
        return code;
      } catch (e) {
        if (e instanceof InterruptedError) {
          // signals.ts prints the line and exits 130/143 once its clean-ups, which wait
          // for this pull to have released what it held, are done.
          return await new Promise<number>(() => setInterval(() => {}, 1000));
        }
        ({ code, line: result } = errorExit(e));
        throw e;
      } finally {
        await store.close();
        if (checked && !dryRun) {
          await record(dir, opts.from, code, result).catch(() => {});
        }
      }
    });

    /** The native pull (or dry run); Ctrl-C aborts it, and it releases SNGL if held. */
    async function online(store: Store | null, write?: (line: string) => void) {
      const interrupts = new AbortController();
      let running: Promise<unknown> = Promise.resolve();
      const off = onInterrupt(async () => {
        interrupts.abort("interrupt");
        await running.catch(() => {});
      });
      try {
        const p = runSync(store, {
          ...opts,
          tables,
          dryRun,
          cutover,
          wait,
          expire,
          keepUpSeconds,
          signal: interrupts.signal,
          onProgress: write ? (p) => write(progressLine(p)) : undefined,
          onTableDone: write ? () => write("") : undefined,
          onNotice: (line) => {
            write?.("");
            console.error(line);
          },
        });
        running = p;
        const r = await p;
        write?.("");
        return r;
      } finally {
        off();
      }
    }
  },
};
