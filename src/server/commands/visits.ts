import { CtdlError } from "../../errors.ts";
import { readConfig } from "../../store/control.ts";
import { getVisit, VisitFlag } from "../../store/rooms.ts";
import { markSeen, seenUpTo } from "../../store/seen_set.ts";
import { AxLevel } from "../../store/users.ts";
import { intOr } from "../args.ts";
import { currentRoom, enterBaseRoom } from "../access.ts";
import { updateVisit } from "../room_state.ts";
import type { CommandTable } from "../session.ts";

/** What a user has read and forgotten: SLRP, SEEN, GTSN, FORG. */
export const visitCommands: CommandTable = {
  SLRP: {
    access: "user",
    async run(s, args) {
      const room = await currentRoom(s);
      const arg = (args[0] ?? "").trim();
      const n = arg.toLowerCase().startsWith("highest") ? room.highest : intOr(arg, NaN);
      if (Number.isNaN(n)) throw new CtdlError(512, "SLRP takes a message number or HIGHEST");
      await updateVisit(s, room, (v) => ({ ...v, lastseen: n, seen: seenUpTo(n) }));
      await s.reply(`200 ${n}`);
    },
  },
  FORG: {
    access: "user",
    async run(s) {
      const room = await currentRoom(s);
      const user = s.requireUser();
      const aideZap = (await readConfig(s.server.store, "c_aide_zap", "0")) === "1";
      if (user.axlevel >= AxLevel.AIDE && !aideZap) {
        throw new CtdlError(560, "You may not forget this room.");
      }
      await updateVisit(s, room, (v) => ({
        ...v,
        flags: (v.flags | VisitFlag.FORGET) & ~VisitFlag.ACCESS,
      }));
      await enterBaseRoom(s);
      await s.reply("200 Ok");
    },
  },
  SEEN: {
    access: "user",
    async run(s, args) {
      const room = await currentRoom(s);
      if (args.length < 2) throw new CtdlError(512, "SEEN takes msgnum|0 or msgnum|1");
      const msgnum = intOr(args[0], 0);
      if (msgnum <= 0) throw new CtdlError(512, "SEEN needs a message number");
      const on = intOr(args[1], 0) !== 0;
      await updateVisit(s, room, (v) => ({ ...v, seen: markSeen(v.seen, msgnum, on) }));
      await s.reply("200 OK");
    },
  },
  GTSN: {
    access: "user",
    async run(s) {
      const room = await currentRoom(s);
      const visit = await getVisit(s.server.store, room, s.requireUser().usernum);
      await s.reply(`200 ${visit.seen}`);
    },
  },
};
