import { CtdlError } from "../../errors.ts";
import { log } from "../../log.ts";
import { userKey } from "../../store/users.ts";
import type { CommandTable, Session } from "../session.ts";

function parseSeconds(v: string | undefined, what: string, fallback: number): number {
  if (v === undefined || v === "") return fallback;
  if (!/^\d{1,7}$/.test(v)) throw new CtdlError(512, `${what} must be a number of seconds`);
  return Number(v);
}

function state(s: Session): string {
  const su = s.server.singleUser;
  return su.active ? `single-user|${su.holderUser}|${su.expireSeconds}` : "multi-user";
}

/** Resolves when `s` is the only session left, or after `wait` seconds (then false). */
async function waitForOthers(s: Session, waitSeconds: number): Promise<boolean> {
  const deadline = Date.now() + waitSeconds * 1000;
  while (Date.now() < deadline) {
    if ([...s.server.sessions].every((o) => o === s)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return [...s.server.sessions].every((o) => o === s);
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
        throw new CtdlError(552, `The system is already single-user for ${su.holderUser}.`);
      }
      const first = !su.active;
      su.take(s, me, expire);
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
      let ended = 0;
      if (!await waitForOthers(s, wait)) {
        for (const other of s.server.sessions) {
          if (other === s) continue;
          other.close();
          ended++;
        }
        await Promise.all([...s.server.sessions].filter((o) => o !== s).map((o) => o.done));
      }
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
