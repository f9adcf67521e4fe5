import { importProgressLine, importSummary } from "../app/import_report.ts";
import { importMigrFile } from "../app/migr_import.ts";
import { MigrFormatError } from "../migr/xml_reader.ts";
import { writeOrigin } from "../store/origin.ts";
import { Store } from "../store/store.ts";
import { need, parseFlags, progressWriter, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { Exit } from "./exit.ts";
import { withLock } from "./locked.ts";
import { removeOnInterrupt } from "./signals.ts";

/** True when DIR holds a store with any record in it. */
async function holdsData(dir: string): Promise<boolean> {
  if (!await Deno.stat(`${dir}/ctdlsync.kv`).then(() => true, () => false)) return false;
  const store = await Store.open(dir);
  try {
    return await store.stamp() > 0;
  } finally {
    await store.close();
  }
}

/** `ctdlsync import`: loads a Citadel MIGR export, replacing DIR's store as one swap. */
export const importCommand: Command = {
  usage: `import --migr FILE --data DIR [--json] [--force]
          (a Citadel MIGR export; --force replaces a store that holds data)`,
  // The new store is built beside DIR and swapped in only when complete.
  interrupted: "interrupted; the store in --data is unchanged: run the import again",
  async run(args) {
    const f = parseFlags(args, {
      migr: "string",
      data: "string",
      json: "boolean",
      force: "boolean",
    });
    const file = need(f, "migr");
    const dir = need(f, "data");
    const st = await Deno.stat(file).catch(() => null);
    if (!st?.isFile) throw new UsageError(`cannot read ${file}: no such file`);
    const tty = Deno.stderr.isTerminal() && f.json !== true;
    const write = progressWriter();
    return await withLock(dir, "import", async () => {
      if (f.force !== true && await holdsData(dir)) {
        throw new UsageError(`${dir} already holds a store; --force replaces it`);
      }
      try {
        const report = await importMigrFile(file, dir, {
          onProgress: tty ? (p) => write(importProgressLine(p)) : undefined,
          onStage: removeOnInterrupt,
        });
        if (tty) write("");
        const store = await Store.open(dir);
        await writeOrigin(store, { source: `migr:${file}`, storeId: "" }).finally(() =>
          store.close()
        );
        if (f.json === true) console.log(JSON.stringify({ ok: true, ...report }, null, 2));
        else console.log(importSummary(report));
        return Exit.OK;
      } catch (e) {
        if (!(e instanceof MigrFormatError)) throw e;
        if (tty) write("");
        if (f.json === true) console.log(JSON.stringify({ ok: false, error: e.message }, null, 2));
        console.error(`ctdlsync: import failed: ${e.message}; ${dir} is unchanged`);
        return Exit.FAILED;
      }
    });
  },
};
