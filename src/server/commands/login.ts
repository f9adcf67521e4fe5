import { Code, CtdlError } from "../../errors.ts";
import { log } from "../../log.ts";
import { checkPassword, getUser } from "../../store/users.ts";
import { checkSingleUser, completeLogin } from "../login_flow.ts";
import type { CommandTable } from "../command.ts";

/** Login commands: USER, PASS, LOUT. */
export const loginCommands: CommandTable = {
  USER: {
    access: "any",
    async run(s, _args, raw) {
      if (s.user) throw new CtdlError(Code.ALREADY_LOGGED_IN, "Already logged in.");
      const name = raw.trim();
      checkSingleUser(s, name);
      const user = await getUser(s.server.store, name);
      if (!user || user.axlevel === 0) throw new CtdlError(Code.NO_SUCH_USER, `${name} not found.`);
      s.pendingUser = user.fullname;
      await s.reply(`${Code.MORE_DATA} Password required for ${user.fullname}`);
    },
  },
  PASS: {
    access: "any",
    async run(s, _args, raw) {
      if (s.user) throw new CtdlError(Code.ALREADY_LOGGED_IN, "Already logged in.");
      if (!s.pendingUser) {
        throw new CtdlError(Code.USERNAME_REQUIRED, "You must send a name with USER first.");
      }
      checkSingleUser(s, s.pendingUser);
      const user = await getUser(s.server.store, s.pendingUser);
      if (!user || !await checkPassword(user.password, raw)) {
        log.info(`session ${s.id}: wrong password for ${s.pendingUser}`);
        throw new CtdlError(Code.PASSWORD_REQUIRED, "Wrong password.");
      }
      await completeLogin(s, user);
    },
  },
  LOUT: {
    access: "any",
    async run(s) {
      if (s.user) log.info(`session ${s.id}: ${s.user.fullname} logged out`);
      s.user = null;
      s.pendingUser = null;
      s.room = null;
      await s.reply(`${Code.OK} logged out.`);
    },
  },
};
