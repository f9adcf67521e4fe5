import { Code, CtdlError } from "../../errors.ts";
import { fieldText } from "../../message/message.ts";
import { readConfig } from "../../store/control.ts";
import { getMessage } from "../../store/messages.ts";
import { getRoom, mailboxName, roomMessages } from "../../store/rooms.ts";
import { getUser, userKey, userOps } from "../../store/users.ts";
import { validAddresses } from "../addresses.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/** True when another session has `name` logged in. */
function loggedInElsewhere(s: Session, name: string): boolean {
  const key = userKey(name);
  return [...s.server.sessions].some((o) => o !== s && o.user && userKey(o.user.fullname) === key);
}

/** The vCard lines of the user's own Contacts room that contain `needle` (AUTO). */
async function contactMatches(s: Session, needle: string): Promise<string[]> {
  const store = s.server.store;
  const room = await getRoom(store, mailboxName(s.requireUser().usernum, "Contacts"));
  if (!room || needle === "") return [];
  const out: string[] = [];
  for (const n of await roomMessages(store, room.number)) {
    const msg = await getMessage(store, n);
    const text = msg ? fieldText(msg, "M") ?? "" : "";
    const fn = /^FN[^:]*:(.*)$/im.exec(text)?.[1]?.trim() ?? "";
    for (const m of text.matchAll(/^EMAIL[^:]*:(.*)$/gim)) {
      const addr = m[1].trim();
      const shown = fn ? `"${fn}" <${addr}>` : addr;
      if (shown.toLowerCase().includes(needle.toLowerCase())) out.push(shown);
    }
  }
  return out;
}

/**
 * Who the logged-in user is and who others are: GVSN and GVEA (the names and addresses the
 * user may post as), ISME, AUTO (address completion), QUSR, and RENU (an Aide renames a user).
 */
export const userDirectoryCommands: CommandTable = {
  GVSN: {
    access: "user",
    async run(s) {
      await s.listing("valid screen names:", [s.requireUser().fullname]);
    },
  },
  GVEA: {
    access: "user",
    async run(s) {
      const fqdn = await readConfig(s.server.store, "c_fqdn", "localhost");
      await s.listing("valid email addresses:", validAddresses(s.requireUser(), fqdn));
    },
  },
  ISME: {
    access: "user",
    async run(s, _args, raw) {
      const user = s.requireUser();
      const fqdn = await readConfig(s.server.store, "c_fqdn", "localhost");
      const wanted = raw.trim().toLowerCase();
      const mine = validAddresses(user, fqdn).some((a) => a.toLowerCase() === wanted) ||
        userKey(raw) === userKey(user.fullname);
      if (!mine) throw new CtdlError(Code.ILLEGAL_VALUE, "Not you.");
      await s.reply(`${Code.OK} ${user.fullname}`);
    },
  },
  AUTO: {
    access: "user",
    async run(s, _args, raw) {
      await s.listing("try these:", await contactMatches(s, raw.trim()));
    },
  },
  QUSR: {
    access: "any",
    async run(s, _args, raw) {
      const user = await getUser(s.server.store, raw);
      if (!user || user.axlevel <= 0 && user.fullname !== "") {
        throw new CtdlError(Code.NO_SUCH_USER, "No such user.");
      }
      await s.reply(`${Code.OK} ${user.fullname}`);
    },
  },
  RENU: {
    access: "aide",
    async run(s, args) {
      const oldName = args[0] ?? "";
      const newName = args[1] ?? "";
      const store = s.server.store;
      if (loggedInElsewhere(s, oldName) || userKey(oldName) === userKey(s.user!.fullname)) {
        throw new CtdlError(
          Code.ALREADY_LOGGED_IN,
          `'${oldName}' is currently logged in and cannot be renamed.`,
        );
      }
      let renamed = "";
      await store.update(async (r) => {
        // As in 902, the new name is checked first: an empty one names the blank user.
        if (newName === "" || await getUser(r, newName)) {
          throw new CtdlError(Code.ALREADY_EXISTS, `A user named '${newName}' already exists.`);
        }
        const user = await getUser(r, oldName);
        if (!user) throw new CtdlError(Code.NO_SUCH_USER, `'${oldName}' does not exist.`);
        renamed = user.fullname;
        const added = userOps({ ...user, fullname: newName });
        const kept = new Set(added.map((op) => `${op.table}/${op.key.join("/")}`));
        const gone = userOps(user).filter((op) => !kept.has(`${op.table}/${op.key.join("/")}`))
          .map((op) => ({ ...op, value: null }));
        return { ops: [...gone, ...added] };
      });
      await s.reply(`${Code.OK} '${renamed}' has been renamed to '${newName}'.`);
    },
  },
};
