import { type FallbackVerifyResult, runFallbackVerify } from "../app/fallback_verify.ts";
import { NoSyncError, runVerify } from "../client/run_pull.ts";
import { log } from "../log.ts";
import { Store } from "../store/store.ts";
import { checkDataDir, need, parseFlags, progressWriter, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { Exit } from "./exit.ts";
import { SOURCE_FLAGS, sourceOpts } from "./source.ts";

/** The one line that says what a verify without SYNC compared and what it could not. */
function fallbackLine(r: FallbackVerifyResult): string {
  const verdict = r.differences.length === 0 ? "identical" : `${r.differences.length} differ`;
  return `${verdict}: compared ${r.compared.join(", ")}; not compared: ` +
    `${r.notCompared.join(", ")} (not in a stock Citadel's export, no client command shows them)`;
}

/** `ctdlsync verify`: compares every table with the source, copying nothing. */
export const verify: Command = {
  usage: `verify --from HOST:PORT --user NAME --password-file F --data DIR [--json]
          [--tls] [--ca FILE] [--timeout SECS]
          [--migr-file F]   (source without SYNC: compares its MIGR export, MESG and files)`,
  async run(args) {
    const f = parseFlags(args, { ...SOURCE_FLAGS, "migr-file": "string" });
    const opts = await sourceOpts(f);
    const dir = need(f, "data");
    const migrFile = f["migr-file"] as string | undefined;
    if (migrFile && !await Deno.stat(migrFile).then((s) => s.isFile, () => false)) {
      throw new UsageError(`cannot read ${migrFile}`);
    }
    await checkDataDir(dir);
    const store = await Store.open(dir);
    try {
      // A source without SYNC, or a MIGR file given: compare what the client protocol shows.
      const fallback = async () => {
        const tty = Deno.stderr.isTerminal() && f.json !== true;
        log.info(
          migrFile
            ? `comparing with ${migrFile}, then MESG and the file commands on ${opts.from}`
            : `${opts.from} does not speak SYNC: comparing its MIGR export, MESG and room files`,
        );
        const r = await runFallbackVerify(store, {
          ...opts,
          migrFile,
          onProgress: tty ? progressWriter() : undefined,
        });
        if (f.json === true) {
          console.log(JSON.stringify({ identical: r.differences.length === 0, ...r }, null, 2));
        } else {
          for (const d of r.differences) console.log(d);
          console.log(fallbackLine(r));
        }
        return r.differences.length === 0 ? Exit.OK : Exit.VERIFY_FAILED;
      };
      if (migrFile) return await fallback();
      let diffs;
      try {
        diffs = await runVerify(store, opts);
      } catch (e) {
        // Only the start-up probe's answer (530 to SYNC, twice) chooses the fallback.
        if (e instanceof NoSyncError) return await fallback();
        throw e;
      }
      if (f.json === true) {
        console.log(JSON.stringify({ identical: diffs.length === 0, differences: diffs }, null, 2));
      } else if (diffs.length === 0) {
        console.log("identical: every table's count and digest match the source");
      } else {
        for (const d of diffs) {
          console.log(
            `${d.table}: source ${d.source.count} records/${d.source.digest}, local ${d.local.count}/${d.local.digest}`,
          );
        }
      }
      return diffs.length === 0 ? Exit.OK : Exit.VERIFY_FAILED;
    } finally {
      await store.close();
    }
  },
};
