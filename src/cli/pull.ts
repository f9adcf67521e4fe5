import { CitadelClient } from "../client/connection.ts";
import { runFallbackPull } from "../app/fallback_pull.ts";
import { progressLine, pullSummary } from "../client/report.ts";
import { runPull } from "../client/run_pull.ts";
import { sourceInfo } from "../client/pull.ts";
import { Code, CtdlError } from "../errors.ts";
import { readOrigin, writeLastPull, writeOrigin } from "../store/origin.ts";
import { Store } from "../store/store.ts";
import { TABLE_NAMES } from "../store/tables.ts";
import { int, need, parseFlags, progressWriter, tablesFlag, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { errorExit, Exit } from "./exit.ts";
import { withLock } from "./locked.ts";
import { SOURCE_FLAGS, type SourceOpts, sourceOpts } from "./source.ts";

/** The source store's id, asked without single-user mode (to check a store's origin). */
async function sourceStoreId(opts: SourceOpts): Promise<string> {
  const client = await CitadelClient.connect(opts.from, { tls: opts.tls });
  try {
    await client.login(opts.user, opts.password);
    return (await sourceInfo(client)).storeId;
  } catch (e) {
    if (e instanceof CtdlError && e.code === Code.CMD_NOT_SUPPORTED) return ""; // no SYNC: the fallback pull
    throw e;
  } finally {
    await client.quit().catch(() => client.close());
  }
}

/**
 * Refuses to replace a store that holds data from elsewhere (another source, an import, a
 * seed) unless `--force` says so.
 */
async function checkOrigin(store: Store, opts: SourceOpts, force: boolean): Promise<void> {
  if (force || await store.stamp() === 0) return;
  // A store pulled before origins were recorded still names its source in its checkpoints.
  const origin = await readOrigin(store) ??
    await pulledStoreId(store).then((id) => id ? { source: "an earlier pull", storeId: id } : null);
  if (origin && origin.source === opts.from && !origin.storeId) return;
  if (origin?.storeId) {
    const id = await sourceStoreId(opts);
    if (id === origin.storeId || (id === "" && origin.source === opts.from)) return;
  }
  const what = origin
    ? `${origin.source}${origin.storeId ? ` (store ${origin.storeId})` : ""}`
    : "local data (seeded or written here)";
  throw new UsageError(
    `${store.path.replace(/\/ctdlsync\.kv$/, "")} holds ${what}, ` +
      `not a copy of ${opts.from}; --force replaces it`,
  );
}

/** The source's store id as the pull's checkpoints recorded it ("" for a fallback pull). */
async function pulledStoreId(store: Store): Promise<string> {
  for (const t of TABLE_NAMES) {
    const cp = await store.getMeta<{ storeId: string }>(["checkpoint", t]);
    if (cp?.storeId) return cp.storeId;
  }
  return "";
}

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
          [--migr-file F]   (source without SYNC: MIGR export made on the old host)`,
  async run(args) {
    const f = parseFlags(args, {
      ...SOURCE_FLAGS,
      tables: "string",
      "dry-run": "boolean",
      wait: "string",
      expire: "string",
      "migr-file": "string",
      force: "boolean",
    });
    const opts = await sourceOpts(f);
    const dir = need(f, "data");
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
