import { type PushReport, runPush } from "../app/push.ts";
import { humanBytes } from "../client/report.ts";
import { log } from "../log.ts";
import { need, parseFlags, progressWriter } from "./args.ts";
import type { Command } from "./command.ts";
import { Exit } from "./exit.ts";
import { withLockedStore } from "./locked.ts";
import { SOURCE_FLAGS, sourceOpts } from "./source.ts";

function verdict(to: string, r: PushReport): string {
  const sent = `${r.messages} system messages and ${r.files} room files (${humanBytes(r.bytes)})`;
  const same = r.unchanged > 0 ? `, ${r.unchanged} files already there` : "";
  if (r.problems.length === 0 && r.differences.length === 0) {
    return `pushed ${sent} to ${to}${same}; read back identical by MESG, RDIR and OPEN/READ`;
  }
  return `pushed ${sent} to ${to}${same}; ${r.problems.length} not sent, ` +
    `${r.differences.length} differ when read back`;
}

/**
 * `ctdlsync push`: sends the store's system messages and room files to a Citadel server
 * whose admin has run `MIGR import` of our export (docs/interop.md, the way back).
 */
export const push: Command = {
  interrupted:
    "interrupted; run push again (it sends everything again, files already there are kept)",
  usage: `push --to HOST:PORT --user NAME --password-file F --data DIR [--force] [--json]
          [--tls]   (system messages by EMSG, room files by UOPN/WRIT/UCLS, after MIGR import)`,
  async run(args) {
    const { from: _from, ...flags } = SOURCE_FLAGS;
    const f = parseFlags(args, { ...flags, to: "string", force: "boolean" });
    const to = need(f, "to");
    const opts = await sourceOpts({ ...f, from: to });
    const dir = need(f, "data");
    const tty = Deno.stderr.isTerminal() && f.json !== true;
    const write = progressWriter();
    return await withLockedStore(dir, "push", {}, async (store) => {
      const r = await runPush(store, {
        ...opts,
        to,
        force: f.force === true,
        onProgress: tty ? write : undefined,
      });
      for (const p of r.problems) log.info(`not sent: ${p}`);
      for (const d of r.differences) log.info(`read back: ${d}`);
      const ok = r.problems.length === 0 && r.differences.length === 0;
      if (f.json === true) console.log(JSON.stringify({ ok, ...r }, null, 2));
      else console.log(verdict(to, r));
      return ok ? Exit.OK : Exit.VERIFY_FAILED;
    });
  },
};
