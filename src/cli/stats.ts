import { statsTable } from "../client/report.ts";
import { Store } from "../store/store.ts";
import { TABLE_NAMES } from "../store/tables.ts";
import { checkDataDir, need, parseFlags } from "./args.ts";
import type { Command } from "./command.ts";

/**
 * `ctdlsync stats`: every table's count, digest and size; `--verify` recomputes them and
 * checks every record and change-log entry, naming each problem by table and key.
 */
export const stats: Command = {
  usage: `stats --data DIR [--json] [--verify]`,
  async run(args) {
    const f = parseFlags(args, { data: "string", json: "boolean", verify: "boolean" });
    const dir = need(f, "data");
    await checkDataDir(dir);
    const store = await Store.open(dir);
    try {
      let stats = await Promise.all(TABLE_NAMES.map((t) => store.stats(t)));
      if (f.verify === true) {
        const report = await store.verifyReport();
        if (report.problems.length > 0) {
          for (const p of report.problems) console.error(`ctdlsync: verify: ${p}`);
          console.error(`ctdlsync: verify failed: ${report.problems.length} problems in ${dir}`);
          return 1;
        }
        stats = report.tables;
      }
      if (f.json === true) {
        console.log(JSON.stringify({ storeId: store.id, tables: stats }, null, 2));
      } else console.log(statsTable(stats));
      return 0;
    } finally {
      await store.close();
    }
  },
};
