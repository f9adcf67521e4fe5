import { fromBinaryString, utf8ToBinary } from "../../message/binary_string.ts";
import { escapeListingLine } from "../../message/render.ts";
import { Code, CtdlError } from "../../errors.ts";
import { readAllConfig } from "../../store/control.ts";
import {
  expandCitadel,
  getSystemMessage,
  listSystemMessages,
  systemMessageOp,
} from "../../store/system_messages.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

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

/** Where 902 says system messages are: `<home>/messages/` (the folder of the store here). */
function messagePath(s: Session, name: string): string {
  return `${s.server.store.path.replace(/\/[^/]*$/, "")}/messages//${name}`;
}

/**
 * Names of system messages: no path separators, as Citadel turns `/` into `.`. An empty
 * name gets 902's answer (its directory cannot be opened as a message).
 */
function messageName(s: Session, raw: string, emptyCode = 510): string {
  const name = raw.trim().replace(/\//g, ".");
  if (name === "") {
    throw new CtdlError(emptyCode, `Cannot open '${messagePath(s, "")}': Is a directory`);
  }
  if (name.length > 64 || name.startsWith(".")) {
    throw new CtdlError(Code.ILLEGAL_VALUE, "bad message name");
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
        await s.listing("?", names.map((n) => ` ${n}`));
        return;
      }
      // 902 answers MESG with no name as a file it cannot open (571, not a server fault).
      const name = messageName(s, raw, 571);
      const text = await getSystemMessage(s.server.store, name);
      if (text === null) {
        throw new CtdlError(
          571,
          `Cannot open '${messagePath(s, name)}': No such file or directory`,
        );
      }
      // The stored bytes go out as they are (no UTF-8 round trip, as ENT0 and MSG0); only
      // the macro values, which are text, are written in UTF-8.
      const values = Object.fromEntries(
        Object.entries(await macroValues(s)).map(([k, v]) => [k, utf8ToBinary(v)]),
      );
      const body = expandCitadel(text, values).replace(/\n$/, "");
      // A body line of exactly "000" would end the listing early for every client.
      await s.binaryListing(name, body.split("\n").map(escapeListingLine));
    },
  },
  EMSG: {
    access: "aide",
    async run(s, _args, raw) {
      const name = messageName(s, raw);
      // Refuse before 400: once the client has sent its text, only silence may follow.
      s.server.store.writeGuard?.();
      await s.reply(`${Code.SEND_LISTING} ${messagePath(s, name)}`);
      // Stored as the bytes sent (a banner in Latin-1 stays Latin-1).
      const lines = await s.readText({ binary: true });
      const text = fromBinaryString(lines.map((l) => l + "\n").join(""));
      await s.server.store.write([systemMessageOp(name, text)]);
      // Like Citadel, nothing is sent after the client's 000.
    },
  },
};
