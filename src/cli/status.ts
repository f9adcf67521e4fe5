import { holderAlive, readLock } from "../store/lock.ts";
import { readLastPull, readOrigin } from "../store/origin.ts";
import { Store } from "../store/store.ts";
import { checkDataDir, need, parseFlags } from "./args.ts";
import type { Command } from "./command.ts";

/** `ctdlsync status`: where a store came from and how its last pull ended (a few KV reads). */
export const status: Command = {
  usage: `status --data DIR [--json]`,
  async run(args) {
    const f = parseFlags(args, { data: "string", json: "boolean" });
    const dir = need(f, "data");
    await checkDataDir(dir);
    const holder = await readLock(dir);
    const store = await Store.open(dir);
    try {
      const info = {
        storeId: store.id,
        stamp: await store.stamp(),
        origin: await readOrigin(store),
        lastPull: await readLastPull(store),
        heldBy: holder && holderAlive(holder) ? { command: holder.command, pid: holder.pid } : null,
      };
      if (f.json === true) {
        console.log(JSON.stringify(info, null, 2));
        return 0;
      }
      const o = info.origin;
      const p = info.lastPull;
      console.log(
        [
          `store     ${info.storeId} at stamp ${info.stamp}`,
          `source    ${
            o ? `${o.source}${o.storeId ? ` (store ${o.storeId})` : ""}` : "none (local data)"
          }`,
          `last pull ${p ? `${p.at}: ${p.result} (exit ${p.exitCode})` : "never"}`,
          `in use    ${
            info.heldBy ? `by 'ctdlsync ${info.heldBy.command}' (PID ${info.heldBy.pid})` : "no"
          }`,
        ].join("\n"),
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};
