import { promote as promoteStore, readPromotion } from "../store/replica.ts";
import { need, parseFlags } from "./args.ts";
import type { Command } from "./command.ts";
import { withLockedStore } from "./locked.ts";

/**
 * `ctdlsync promote`: a replica stops following its source and takes writes of its own.
 * It needs the store's lock, so the replica is stopped first (a running one holds it).
 */
export const promote: Command = {
  usage: `promote --data DIR   (a stopped replica becomes a writable store; serve it without
                        --replica-of)`,
  async run(args) {
    const f = parseFlags(args, { data: "string" });
    const dir = need(f, "data");
    return await withLockedStore(dir, "promote", { create: false }, async (store) => {
      const p = await promoteStore(store);
      if (p) {
        console.log(`${dir} promoted: it no longer follows ${p.source} and takes writes`);
        return 0;
      }
      const before = await readPromotion(store);
      console.log(
        before
          ? `${dir} was already promoted at ${before.at} (it followed ${before.source})`
          : `${dir} was not following a source; nothing to promote`,
      );
      return 0;
    });
  },
};
