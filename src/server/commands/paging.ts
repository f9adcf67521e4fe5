import { Code, CtdlError } from "../../errors.ts";
import { readConfig } from "../../store/control.ts";
import { RoomFlag, stripMailboxPrefix } from "../../store/rooms.ts";
import { AxLevel, getUser, userKey } from "../../store/users.ts";
import { atol } from "../args.ts";
import { userAddress } from "../addresses.ts";
import { mailboxOwner, roomAccess, UA } from "../access.ts";
import type { Command, CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/** The sessions of `name` that take pages from `from` (DEXP stops all but an Aide's). */
function pageTargets(s: Session, name: string, fromAide: boolean): Session[] {
  const key = userKey(name);
  return [...s.server.sessions].filter((o) =>
    o.user && userKey(o.user.fullname) === key && (fromAide || !o.pagesDisabled)
  );
}

/** Queues a page on each target; sessions in ASYN mode hear of it at once. */
async function deliver(s: Session, targets: Session[], text: string): Promise<void> {
  const from = s.requireUser();
  const address = await userAddress(s.server.store, from);
  const time = Math.floor(Date.now() / 1000);
  for (const o of targets) {
    o.instantMessages.push({ from: from.fullname, time, text, address });
    o.lastPager = from.fullname;
    if (o.asyncMode) await o.notify("902 instant msg");
  }
}

/**
 * The room RWHO shows for `o` to `viewer`: a private room's name only to someone who knows
 * the room (Citadel's GenerateRoomDisplay); mailbox rooms without the owner's prefix.
 */
async function shownRoom(viewer: Session, o: Session): Promise<string> {
  const room = o.room;
  if (!room) return "";
  if (mailboxOwner(room)) return stripMailboxPrefix(room.name);
  if (room.flags & RoomFlag.PRIVATE) {
    const { ua } = await roomAccess(viewer.server.store, viewer.user, room);
    if ((ua & UA.KNOWN) === 0) return " ";
  }
  return room.name;
}

/** A verb that turns a session switch on (any number but 0) or off, and says which: `200 1`. */
function sessionSwitch(
  access: Command["access"],
  name: "stealth" | "pagesDisabled" | "asyncMode",
): Command {
  return {
    access,
    async run(s, args) {
      s[name] = atol(args[0]) !== 0;
      await s.reply(`${Code.OK} ${s[name] ? 1 : 0}`);
    },
  };
}

/** Who is online and paging: RWHO, STEL, SEXP, GEXP, DEXP, ASYN. */
export const pagingCommands: CommandTable = {
  RWHO: {
    access: "any",
    async run(s) {
      // Without a login RWHO is a guest command: allowed only with c_guest_logins.
      if (!s.user && (await readConfig(s.server.store, "c_guest_logins", "0")) !== "1") {
        throw new CtdlError(Code.NOT_LOGGED_IN, "Not logged in.");
      }
      const isAide = (s.user?.axlevel ?? 0) >= AxLevel.AIDE;
      const lines: string[] = [];
      // Newest session first, as 902 lists them.
      for (const o of [...s.server.sessions].sort((a, b) => b.id - a.id)) {
        if (o.stealth && o !== s && !isAide) continue;
        const user = o.user ? o.user.fullname : "(not logged in)";
        // The host a client named in IDEN is for all to see; its address only for Aides.
        const host = o.clientHost || (isAide ? o.remote : "");
        const room = await shownRoom(s, o);
        const fields = [o.id, user, room, host, o.client, o.lastActive, o.lastCommand];
        lines.push(`${fields.join("|")}|.||||${o.user ? 1 : 0}`);
      }
      await s.listing(" ", lines);
    },
  },
  STEL: sessionSwitch("user", "stealth"),
  DEXP: sessionSwitch("user", "pagesDisabled"),
  ASYN: sessionSwitch("any", "asyncMode"),
  SEXP: {
    access: "user",
    async run(s, args) {
      const user = s.requireUser();
      const fromAide = user.axlevel >= AxLevel.AIDE;
      let to = args[0] ?? "";
      const text = args[1] ?? "";
      if (to === "") {
        if (!s.lastPager) throw new CtdlError(Code.NO_SUCH_USER, "You were not previously paged.");
        to = s.lastPager;
      }
      let targets: Session[];
      if (to.toLowerCase() === "broadcast") {
        if (!fromAide) {
          throw new CtdlError(
            Code.HIGHER_ACCESS_REQUIRED,
            "Higher access required to send a broadcast.",
          );
        }
        targets = [...s.server.sessions].filter((o) => o.user);
      } else {
        const target = await getUser(s.server.store, to);
        if (!target) throw new CtdlError(Code.NO_SUCH_USER, `'${to}' does not exist.`);
        targets = pageTargets(s, target.fullname, fromAide);
        if (targets.length === 0) {
          throw new CtdlError(
            Code.RESOURCE_NOT_OPEN,
            `'${target.fullname}' is not logged in or is not accepting pages.`,
          );
        }
      }
      if (text === "-") {
        await s.reply(
          `${Code.SEND_LISTING} Transmit message (will deliver to ${targets.length} users)`,
        );
        const lines = await s.readListing(1000);
        await deliver(s, targets, lines.join("\n"));
        return;
      }
      await deliver(s, targets, text);
      await s.reply(`${Code.OK} Message sent.`);
    },
  },
  GEXP: {
    access: "user",
    async run(s) {
      const im = s.instantMessages.shift();
      if (!im) throw new CtdlError(Code.MESSAGE_NOT_FOUND, "No instant messages waiting.");
      const more = s.instantMessages.length > 0 ? 1 : 0;
      const node = await readConfig(s.server.store, "c_nodename", "ctdlsync");
      await s.listing(
        `${more}|${im.time}|0|${im.from}|${node}|${im.address ?? ""}`,
        im.text.split("\n"),
      );
    },
  },
};
