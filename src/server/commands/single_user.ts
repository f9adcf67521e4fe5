import { Code, CtdlError } from "../../errors.ts";
import { log } from "../../log.ts";
import { userKey } from "../../store/users.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

function parseSeconds(v: string | undefined, what: string, fallback: number): number {
  if (v === undefined || v === "") return fallback;
  if (!/^\d{1,7}$/.test(v)) throw new CtdlError(512, `${what} must be a number of seconds`);
  return Number(v);
}

function state(s: Session): string {
  const su = s.server.singleUser;
  return su.active ? `single-user|${su.holderUser}|${su.expireSeconds}` : "multi-user";
}

/** Seconds an ended session gets to finish its command before its socket is closed. */
const GRACE_SECONDS = 5;

/**
 * Resolves when `s` is the only session left, or after `wait` seconds (then false); stops
 * early when another session has taken single-user mode over.
 */
async function waitForOthers(s: Session, waitSeconds: number): Promise<boolean> {
  const deadline = Date.now() + waitSeconds * 1000;
  const alone = () => [...s.server.sessions].every((o) => o === s);
  const holding = () => s.server.singleUser.holder === s;
  while (Date.now() < deadline && !alone() && holding()) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return alone();
}

/**
 * Ends every other session: idle ones at once, busy ones after their command, and any
 * still running after a grace period (stuck writing to a client that does not read) by
 * closing their socket. Never waits longer than twice the grace period.
 */
async function endOthers(s: Session): Promise<number> {
  const others = [...s.server.sessions].filter((o) => o !== s);
  for (const o of others) o.close();
  if (!await waitForOthers(s, GRACE_SECONDS)) {
    for (const o of s.server.sessions) if (o !== s) o.abort();
    await waitForOthers(s, GRACE_SECONDS);
  }
  return others.length;
}

/** The sync proposal's single-user commands: SNGL wait|expire and ESNG. */
export const singleUserCommands: CommandTable = {
  SNGL: {
    access: "aide",
    async run(s, args) {
      const wait = parseSeconds(args[0], "wait", 120);
      const expire = parseSeconds(args[1], "expire", 500);
      if (expire < 1) throw new CtdlError(512, "expire must be at least 1 second");
      const su = s.server.singleUser;
      const me = userKey(s.user!.fullname);
      if (su.active && su.holderUser !== me) {
        throw new CtdlError(
          Code.RESOURCE_BUSY,
          `The system is already single-user for ${su.holderUser}.`,
        );
      }
      const previous = su.holder;
      if (previous && previous !== s && Date.now() >= su.waitUntil) {
        // Another session of the same user holds it and is copying: two pulls at once.
        throw new CtdlError(
          Code.RESOURCE_BUSY,
          `Single-user mode is held by session ${previous.id} of the same user; ` +
            "wait for it to finish.",
        );
      }
      const first = !su.active;
      su.take(s, me, expire);
      su.waitUntil = Date.now() + wait * 1000;
      if (first) {
        log.info(
          `single-user mode requested by ${s.user!.fullname} (wait ${wait} s, expire ${expire} s)`,
        );
        const text =
          `The system is going single-user in ${wait} seconds. Please finish what you are doing.`;
        for (const other of s.server.sessions) {
          if (other !== s) {
            other.instantMessages.push({ from: s.user!.fullname, time: Date.now() / 1000, text });
          }
        }
      }
      await s.flush();
      let ended = 0;
      // A session of the same user still waiting in SNGL (a pull killed and rerun, or run
      // twice) is superseded: this wait ends it with the others.
      if (!await waitForOthers(s, wait) && su.holder === s) ended = await endOthers(s);
      if (su.holder !== s) {
        throw new CtdlError(Code.RESOURCE_BUSY, "Single-user mode was taken over or has expired.");
      }
      su.waitUntil = 0;
      if (ended > 0) log.info(`single-user mode: ended ${ended} other session(s)`);
      await s.reply(`200 ${state(s)}|${ended}`);
    },
  },
  ESNG: {
    access: "aide",
    async run(s) {
      const su = s.server.singleUser;
      if (su.active && su.holderUser !== userKey(s.user!.fullname)) {
        throw new CtdlError(552, `Single-user mode is held by ${su.holderUser}.`);
      }
      su.end(`ESNG from ${s.user!.fullname}`);
      await s.reply(`200 ${state(s)}`);
    },
  },
};
