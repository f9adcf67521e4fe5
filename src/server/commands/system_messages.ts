import { CtdlError } from "../../errors.ts";
import { readAllConfig } from "../../store/control.ts";
import {
  expandMacros,
  getSystemMessage,
  listSystemMessages,
  systemMessageOp,
} from "../../store/system_messages.ts";
import type { CommandTable, Session } from "../session.ts";

/** The `^` macro values for a session, as Citadel's MESG substitutes them. */
export async function macroValues(s: Session): Promise<Record<string, string>> {
  const config = await readAllConfig(s.server.store);
  return {
    nodename: config.get("c_nodename") ?? "",
    humannode: config.get("c_humannode") ?? "",
    fqdn: config.get("c_fqdn") ?? "",
    username: s.user?.fullname ?? "",
    usernum: String(s.user?.usernum ?? 0),
    sysadm: config.get("c_sysadm") ?? "",
    variantname: "ctdlsync",
    maxsessions: config.get("c_maxsessions") ?? "0",
    bbsdir: s.server.store.path,
  };
}

/** Names of system messages: no path separators, as Citadel turns `/` into `.`. */
function messageName(raw: string): string {
  const name = raw.trim().replace(/\//g, ".");
  if (name === "" || name.length > 64 || name.startsWith(".")) {
    throw new CtdlError(512, "bad message name");
  }
  return name;
}

/** System messages (hello, goodbye ...): MESG reads, EMSG writes. */
export const systemMessageCommands: CommandTable = {
  MESG: {
    access: "any",
    async run(s, _args, raw) {
      if (raw.trim() === "?") {
        const names = await listSystemMessages(s.server.store);
        await s.listing("Available messages:", names.map((n) => ` ${n}`));
        return;
      }
      const name = messageName(raw);
      const text = await getSystemMessage(s.server.store, name);
      if (text === null) throw new CtdlError(571, `Cannot open ${name}`);
      const body = expandMacros(text, await macroValues(s)).replace(/\n$/, "");
      // A body line of exactly "000" would end the listing early for every client.
      await s.listing(name, body.split("\n").map((l) => (l === "000" ? "000 " : l)));
    },
  },
  EMSG: {
    access: "aide",
    async run(s, _args, raw) {
      const name = messageName(raw);
      // Refuse before 400: once the client has sent its text, only silence may follow.
      s.server.store.writeGuard?.();
      await s.reply(`400 ${name}`);
      const lines = await s.readListing();
      await s.server.store.write([systemMessageOp(name, lines.map((l) => l + "\n").join(""))]);
      // Like Citadel, nothing is sent after the client's 000.
    },
  },
};
