import { NoSyncError, runVerify } from "../client/run_pull.ts";
import { Store } from "../store/store.ts";
import { checkDataDir, need, parseFlags, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { Exit } from "./exit.ts";
import { SOURCE_FLAGS, sourceOpts } from "./source.ts";

/** `ctdlsync verify`: compares every table with the source, copying nothing. */
export const verify: Command = {
  usage: `verify --from HOST:PORT --user NAME --password-file F --data DIR [--json]
          [--tls] [--ca FILE] [--timeout SECS]`,
  async run(args) {
    const f = parseFlags(args, SOURCE_FLAGS);
    const opts = await sourceOpts(f);
    const dir = need(f, "data");
    await checkDataDir(dir);
    const store = await Store.open(dir);
    try {
      const diffs = await runVerify(store, opts).catch((e) => {
        if (e instanceof NoSyncError) throw new UsageError(`${e.message}; verify needs SYNC`);
        throw e;
      });
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
