import { dirname } from "node:path";
import { exportMigrFile } from "../migr/export.ts";
import { need, parseFlags, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { withLockedStore } from "./locked.ts";

/** `ctdlsync export`: writes the MIGR XML a Citadel 902 writes. */
export const exportCommand: Command = {
  usage: `export --migr FILE --data DIR   (writes the MIGR XML a Citadel 902 writes)`,
  async run(args) {
    const f = parseFlags(args, { migr: "string", data: "string" });
    const file = need(f, "migr");
    const dir = need(f, "data");
    const parent = await Deno.stat(dirname(file)).catch(() => null);
    if (!parent?.isDirectory) {
      throw new UsageError(`cannot write ${file}: directory ${dirname(file)} does not exist`);
    }
    return await withLockedStore(dir, "export", {}, async (store) => {
      const counts = await exportMigrFile(store, file);
      console.log(
        `wrote ${file}: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ")}`,
      );
      return 0;
    });
  },
};
