import { Code, CtdlError } from "../../errors.ts";
import type { CommandTable } from "../command.ts";

/**
 * ICAL: what WebCit asks right after IDEN. `ICAL test` checks for calendaring;
 * `ICAL sgi|n` ("server-generated invitations") is answered with the value, as 902 does:
 * ctdlsync keeps calendar objects as the client writes them and sends no invitations itself.
 */
export const calendarCommands: CommandTable = {
  ICAL: {
    access: "any",
    async run(s, args) {
      const sub = (args[0] ?? "").toLowerCase();
      if (sub === "test") return await s.reply(`${Code.OK} This server supports calendaring`);
      if (sub === "sgi") return await s.reply(`${Code.OK} ${Number(args[1] ?? "0") ? 1 : 0}`);
      throw new CtdlError(Code.CMD_NOT_SUPPORTED, "Invalid subcommand");
    },
  },
};
