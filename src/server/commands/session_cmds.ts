import { Code, CtdlError } from "../../errors.ts";
import { readConfig } from "../../store/control.ts";
import { atol } from "../args.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/** The software name INFO and RWHO report. */
export const SOFTWARE = "ctdlsync";
/** The Citadel REV_LEVEL ctdlsync speaks for (what real 902 clients and exports expect). */
export const REV_LEVEL = 902;

function noop(s: Session): Promise<void> {
  return s.reply(s.instantMessages.length > 0 ? "200*ok" : "200 ok");
}

/** Session-level commands: NOOP, QNOP, ECHO, INFO, IDEN, TIME, MORE, MSGP, QUIT. */
export const sessionCommands: CommandTable = {
  NOOP: { access: "any", run: noop },
  // QNOP keeps the session alive and, unlike NOOP, gets no reply at all.
  QNOP: { access: "any", run: () => Promise.resolve() },
  ECHO: { access: "any", run: (s, _a, raw) => s.reply(`${Code.OK} ${raw}`) },
  INFO: {
    access: "any",
    async run(s) {
      const store = s.server.store;
      // Unset text settings print as C's "(null)", as 902's printf does.
      const text = async (k: string) => (await readConfig(store, k, "")) || "(null)";
      const flag = async (k: string) => atol(await readConfig(store, k, "0")) !== 0 ? "1" : "0";
      const lines = [
        String(s.id),
        await text("c_nodename"),
        await text("c_humannode"),
        await text("c_fqdn"),
        SOFTWARE,
        String(REV_LEVEL),
        await text("c_site_location"),
        await text("c_sysadm"),
        "0", // server type
        await readConfig(store, "c_moreprompt", "<more>"),
        "1", // floors
        "1", // paging level
        "",
        "1", // QNOP
        "1", // as 902 sends it
        await flag("c_disable_newu"),
        await text("c_default_cal_zone"),
        "0", // load average (not kept)
        "0",
        "0",
        await flag("c_enable_fulltext"),
        "1", // as 902 sends it
        "(unknown)", // as 902 sends it
        "1", // as 902 sends it
        await flag("c_guest_logins"),
      ];
      await s.listing("Server info:", lines);
    },
  },
  IDEN: {
    access: "any",
    async run(s, args) {
      if (args.length < 4) throw new CtdlError(Code.ILLEGAL_VALUE, "usage error");
      s.client = args[3];
      s.clientHost = args[4] ?? "";
      await s.reply(`${Code.OK} Ok`);
    },
  },
  TIME: {
    access: "any",
    run(s) {
      const now = Math.floor(Date.now() / 1000);
      const gmtoff = -new Date().getTimezoneOffset() * 60;
      return s.reply(`${Code.OK} ${now}|${gmtoff}|0|${s.server.startTime}`);
    },
  },
  MORE: {
    access: "any",
    async run(s) {
      await s.reply(`${Code.OK} ${await readConfig(s.server.store, "c_moreprompt", "<more>")}`);
    },
  },
  MSGP: {
    access: "any",
    async run(s, args) {
      // Citadel treats "dont_decode" as a flag of its own: it leaves the type list alone.
      if (args.length === 1 && args[0].toLowerCase() === "dont_decode") {
        s.msg4DontDecode = true;
        await s.reply(`${Code.OK} MSG4 will not pre-decode messages.`);
        return;
      } else {
        s.preferredTypes = args.filter((a) => a !== "").map((a) => a.toLowerCase());
      }
      await s.reply(`${Code.OK} Preferred MIME formats have been set.`);
    },
  },
  QUIT: {
    access: "any",
    async run(s) {
      await s.reply(`${Code.OK} Goodbye.`);
      s.close();
    },
  },
};
