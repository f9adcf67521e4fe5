import { statsTable } from "../client/report.ts";
import { Store } from "../store/store.ts";
import { TABLE_NAMES } from "../store/tables.ts";
import { checkDataDir, need, parseFlags } from "./args.ts";
import type { Command } from "./command.ts";

/** `ctdlsync stats`: every table's count, digest and size; `--verify` recomputes them. */
export const stats: Command = {
  usage: `stats --data DIR [--json] [--verify]`,
  async run(args) {
    const f = parseFlags(args, { data: "string", json: "boolean", verify: "boolean" });
    const dir = need(f, "data");
    await checkDataDir(dir);
    const store = await Store.open(dir);
    try {
      const stats = f.verify === true
        ? await store.verify()
        : await Promise.all(TABLE_NAMES.map((t) => store.stats(t)));
      if (f.json === true) {
        console.log(JSON.stringify({ storeId: store.id, tables: stats }, null, 2));
      } else console.log(statsTable(stats));
      return 0;
    } finally {
      await store.close();
    }
  },
};
