import { Code, CtdlError } from "../errors.ts";
import { log } from "../log.ts";
import type { User } from "../store/tables.ts";
import { userKey } from "../store/users.ts";
import { enterBaseRoom } from "./access.ts";
import type { Session } from "./session.ts";

/*
 * Completing a login, shared by the login family (PASS) and the user family (NEWU, which
 * logs the new user in).
 */

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
