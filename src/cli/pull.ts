import { runFallbackPull } from "../client/fallback.ts";
import { progressLine, pullSummary } from "../client/report.ts";
import { runPull } from "../client/run_pull.ts";
import { Code, CtdlError } from "../errors.ts";
import { writeLastPull, writeOrigin } from "../store/origin.ts";
import { Store } from "../store/store.ts";
import { int, need, parseFlags, progressWriter, tablesFlag, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { errorExit, Exit } from "./exit.ts";
import { withLock } from "./locked.ts";
import { SOURCE_FLAGS, sourceOpts } from "./source.ts";
import { pullFollow } from "./follow.ts";
import { checkOrigin, pulledStoreId } from "./origin_check.ts";

/** Writes origin and last-pull result after a pull, into whatever store DIR now holds. */
async function record(dir: string, from: string, code: number, result: string): Promise<void> {
  const store = await Store.open(dir, { create: true });
  try {
    const stamp = await store.stamp();
    if (code === Exit.OK) {
      await writeOrigin(store, { source: from, storeId: await pulledStoreId(store) });
    }
    await writeLastPull(store, { at: new Date().toISOString(), result, exitCode: code, stamp });
  } finally {
    await store.close();
  }
}

/** `ctdlsync pull`: makes DIR a verified duplicate of a source. */
export const pull: Command = {
  interrupted: "interrupted; rerun to resume",
  usage: `pull --from HOST:PORT --user NAME --password-file F --data DIR [--tls]
          [--tables LIST] [--dry-run] [--json] [--wait SECS] [--expire SECS] [--force]
          [--migr-file F]   (source without SYNC: MIGR export made on the old host)
          [--follow]        (stay connected and apply every change as it lands: a replica)`,
  async run(args) {
    const f = parseFlags(args, {
      ...SOURCE_FLAGS,
      tables: "string",
      "dry-run": "boolean",
      wait: "string",
      expire: "string",
      "migr-file": "string",
      force: "boolean",
      follow: "boolean",
    });
    const opts = await sourceOpts(f);
    const dir = need(f, "data");
    if (f.follow === true) {
      for (const flag of ["tables", "dry-run", "migr-file", "json"]) {
        if (f[flag] !== undefined) throw new UsageError(`--follow does not go with --${flag}`);
      }
      return await pullFollow(dir, opts, f.force === true);
    }
    const tables = tablesFlag(f);
    const wait = int(f, "wait", 120);
    const expire = int(f, "expire", 500);
    const dryRun = f["dry-run"] === true;
    return await withLock(dir, "pull", async () => {
      const store = await Store.open(dir, { create: true });
      const tty = Deno.stderr.isTerminal() && f.json !== true;
      const write = progressWriter();
      // A source without SYNC (530 to SNGL), or a MIGR file given: the fallback pull.
      const fallback = async () => {
        const migrFile = f["migr-file"] as string | undefined;
        if (tables !== undefined || dryRun) {
          throw new UsageError("--tables and --dry-run need a source that speaks SYNC");
        }
        if (migrFile && !await Deno.stat(migrFile).then(() => true, () => false)) {
          throw new UsageError(`cannot read ${migrFile}`);
        }
        await store.close();
        return await runFallbackPull(dir, {
          ...opts,
          migrFile,
          onProgress: tty ? write : undefined,
        });
      };
      let code: number = Exit.FAILED;
      let result = "failed";
      let checked = false;
      try {
        await checkOrigin(store, opts, f.force === true);
        checked = true;
        const reports = f["migr-file"] !== undefined ? await fallback() : await runPull(store, {
          ...opts,
          tables,
          dryRun,
          wait,
          expire,
          onProgress: tty ? (p) => write(progressLine(p)) : undefined,
          onTableDone: tty ? () => write("") : undefined,
        }).catch((e) => {
          if (e instanceof CtdlError && e.code === Code.CMD_NOT_SUPPORTED) return fallback();
          throw e;
        });
        const ok = reports.every((r) => r.verified || r.action === "would-pull");
        if (f.json === true) console.log(JSON.stringify({ ok, tables: reports }, null, 2));
        else console.log(pullSummary(reports));
        [code, result] = ok ? [Exit.OK, "identical"] : [Exit.VERIFY_FAILED, "verification failed"];
        if (!ok) console.error("ctdlsync: verification failed for some tables; run the pull again");
        return code;
      } catch (e) {
        ({ code, line: result } = errorExit(e));
        throw e;
      } finally {
        await store.close();
        if (checked && !dryRun) {
          await record(dir, opts.from, code, result).catch(() => {});
        }
      }
    });
  },
};
