import { Code, CtdlError } from "../../errors.ts";
import { log } from "../../log.ts";
import type { User } from "../../store/tables.ts";
import { checkPassword, getUser, userKey } from "../../store/users.ts";
import { enterBaseRoom } from "../access.ts";
import type { CommandTable, Session } from "../session.ts";

/** The PASS/NEWU reply: `200 name|axlevel|timescalled|posted|flags|usernum|lastcall`. */
export function loginReply(u: User): string {
  return `200 ${u.fullname}|${u.axlevel}|${u.timescalled}|${u.posted}|${u.flags}|${u.usernum}|${u.lastcall}`;
}

/** Refuses a login while another user holds single-user mode (551). */
export function checkSingleUser(s: Session, name: string): void {
  const su = s.server.singleUser;
  if (su.active && su.holderUser !== userKey(name)) {
    throw new CtdlError(
      Code.MAX_SESSIONS_EXCEEDED,
      "The system is in single-user mode; logins are refused.",
    );
  }
}

/**
 * Marks a session logged in and, as Citadel does, silently enters the base room; the
 * holder's user coming back takes single-user mode again.
 */
export async function completeLogin(s: Session, user: User): Promise<void> {
  s.user = user;
  s.pendingUser = null;
  const su = s.server.singleUser;
  if (su.active && su.holderUser === userKey(user.fullname) && su.holder === null) su.adopt(s);
  log.info(`session ${s.id}: ${user.fullname} logged in`);
  await enterBaseRoom(s);
  await s.reply(loginReply(user));
}

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
