import { dirname, resolve } from "node:path";
import { exportFiles } from "../app/export_files.ts";
import { exportMigrFile } from "../app/migr_export.ts";
import { readPasswordsFile } from "../app/passwords_file.ts";
import { need, parseFlags, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { withLockedStore } from "./locked.ts";

/**
 * `ctdlsync export`: the way back to Citadel. Writes the MIGR XML a Citadel 902 writes, with
 * no password that logs in (each account gets a random locked value unless `--passwords`
 * chooses one), and the system messages and room files beside it in Citadel's layout.
 */
export const exportCommand: Command = {
  usage: `export --migr FILE --data DIR [--passwords F]
          (the MIGR XML a Citadel 902 writes, plus messages/ and files/ beside it;
          F holds name:password lines for accounts that get a known password)`,
  async run(args) {
    const f = parseFlags(args, { migr: "string", data: "string", passwords: "string" });
    const file = need(f, "migr");
    const dir = need(f, "data");
    const parent = await Deno.stat(dirname(file)).catch(() => null);
    if (!parent?.isDirectory) {
      throw new UsageError(`cannot write ${file}: directory ${dirname(file)} does not exist`);
    }
    return await withLockedStore(dir, "export", {}, async (store) => {
      const passwords = f.passwords === undefined
        ? new Map<string, string>()
        : await readPasswordsFile(f.passwords as string, store);
      const counts = await exportMigrFile(store, file, { passwords });
      const toSet = counts["passwords to set"] ?? 0;
      delete counts["passwords to set"];
      const files = await exportFiles(store, dirname(resolve(file)));
      console.log(
        `wrote ${file}: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ")}`,
      );
      console.log(
        `wrote ${files.messages} system messages to messages/ and ${files.files} room files ` +
          `to files/ beside it`,
      );
      console.log(
        toSet === 0
          ? `every account has the password chosen in ${f.passwords}`
          : `${toSet} accounts need a new password on the new server (exported with an ` +
            `unusable random one; choose some with --passwords FILE of name:password lines)`,
      );
      return 0;
    });
  },
};
