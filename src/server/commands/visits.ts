import { Code, CtdlError } from "../../errors.ts";
import { readConfig } from "../../store/control.ts";
import { getVisit, roomMessages, VisitFlag } from "../../store/rooms.ts";
import { rebuildSeen, seenUpTo } from "../../store/seen_set.ts";
import { AxLevel } from "../../store/users.ts";
import { intOr } from "../args.ts";
import { currentRoom, enterBaseRoom } from "../access.ts";
import { updateVisit } from "../room_state.ts";
import type { CommandTable } from "../command.ts";

/** What a user has read and forgotten: SLRP, SEEN, GTSN, FORG. */
export const visitCommands: CommandTable = {
  SLRP: {
    access: "user",
    async run(s, args) {
      const room = await currentRoom(s);
      const arg = (args[0] ?? "").trim();
      const n = arg.toLowerCase().startsWith("highest") ? room.highest : intOr(arg, NaN);
      if (Number.isNaN(n)) {
        throw new CtdlError(Code.ILLEGAL_VALUE, "SLRP takes a message number or HIGHEST");
      }
      await updateVisit(s, room, (v) => ({ ...v, lastseen: n, seen: seenUpTo(n) }));
      await s.reply(`${Code.OK} ${n}`);
    },
  },
  FORG: {
    access: "user",
    async run(s) {
      const room = await currentRoom(s);
      const user = s.requireUser();
      const aideZap = (await readConfig(s.server.store, "c_aide_zap", "0")) === "1";
      if (user.axlevel >= AxLevel.AIDE && !aideZap) {
        throw new CtdlError(Code.NOT_HERE, "You may not forget this room.");
      }
      await updateVisit(s, room, (v) => ({
        ...v,
        flags: (v.flags | VisitFlag.FORGET) & ~VisitFlag.ACCESS,
      }));
      await enterBaseRoom(s);
      await s.reply(`${Code.OK} Ok`);
    },
  },
  SEEN: {
    access: "user",
    async run(s, args) {
      const room = await currentRoom(s);
      const msgnum = intOr(args[0], 0);
      if (args.length < 2 || msgnum <= 0) {
        throw new CtdlError(Code.ILLEGAL_VALUE, "Invalid parameters");
      }
      const on = intOr(args[1], 0) !== 0;
      const msgs = await roomMessages(s.server.store, room.number);
      await updateVisit(s, room, (v) => ({ ...v, seen: rebuildSeen(v.seen, msgs, [msgnum], on) }));
      await s.reply(`${Code.OK} OK`);
    },
  },
  GTSN: {
    access: "user",
    async run(s) {
      const room = await currentRoom(s);
      const usernum = s.requireUser().usernum;
      // 902 answers a room the user never visited with an empty range up to 0.
      const known = await s.server.store.get("visits", [room.number, room.gen, usernum]);
      const visit = await getVisit(s.server.store, room, usernum);
      await s.reply(`${Code.OK} ${known === null && visit.seen === "" ? "*:0" : visit.seen}`);
    },
  },
};
