import { Code, CtdlError } from "../../errors.ts";
import { readConfig } from "../../store/control.ts";
import { getRoom, getVisit, RoomFlag, roomOp, VisitFlag, visitOp } from "../../store/rooms.ts";
import type { Room } from "../../store/tables.ts";
import { getUser, getUserByNumber, listUsers } from "../../store/users.ts";
import { accessBits, currentRoom, isRoomAide, roomAideRoom, UA } from "../access.ts";
import { aideNotice } from "../post_message.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/** INVT and KICK: who may, where they may, and the user they name. */
async function membershipTarget(s: Session, raw: string): Promise<{ room: Room; name: string }> {
  const room = await currentRoom(s);
  if (!isRoomAide(s.requireUser(), room)) {
    throw new CtdlError(Code.HIGHER_ACCESS_REQUIRED, "Higher access or room ownership required.");
  }
  // Only rooms that keep people out have a member list to edit.
  if (!(room.flags & (RoomFlag.PRIVATE | RoomFlag.MAILBOX))) {
    throw new CtdlError(Code.NOT_HERE, "Can't add/remove users from this room.");
  }
  const user = await getUser(s.server.store, raw.trim());
  if (!user) throw new CtdlError(Code.NO_SUCH_USER, "No such user.");
  return { room, name: user.fullname };
}

/** Sets or clears the invitation of `name` to `room` (Citadel's V_ACCESS / V_LOCKOUT). */
async function setMembership(s: Session, room: Room, name: string, invite: boolean) {
  await s.server.store.update(async (r) => {
    const user = await getUser(r, name);
    if (!user) throw new CtdlError(Code.NO_SUCH_USER, "No such user.");
    const v = await getVisit(r, room, user.usernum);
    const flags = invite
      ? (v.flags & ~(VisitFlag.FORGET | VisitFlag.LOCKOUT)) | VisitFlag.ACCESS
      : (v.flags & ~VisitFlag.ACCESS) | VisitFlag.LOCKOUT;
    return { ops: [visitOp(room, user.usernum, { ...v, flags })] };
  });
}

/** Room-aide commands: GETA, SETA (the room aide), WHOK (who knows the room), INVT, KICK. */
export const roomAideCommands: CommandTable = {
  GETA: {
    access: "user",
    async run(s) {
      const room = await currentRoom(s);
      const aide = room.roomaide > 0 ? await getUserByNumber(s.server.store, room.roomaide) : null;
      await s.reply(`${Code.OK} ${aide?.fullname ?? ""}`);
    },
  },
  SETA: {
    access: "user",
    async run(s, _args, raw) {
      const room = await roomAideRoom(s);
      const store = s.server.store;
      const user = await getUser(store, raw.trim());
      const usernum = user?.usernum ?? -1;
      await store.update(async (r) => {
        const fresh = await getRoom(r, room.name);
        if (!fresh) throw new CtdlError(Code.ROOM_NOT_FOUND, `room '${room.name}' not found`);
        return { ops: [roomOp({ ...fresh, roomaide: usernum })] };
      });
      await aideNotice(
        s,
        "Admin Room Modification",
        `${s.requireUser().fullname} has made ${
          user?.fullname ?? "nobody"
        } the Room Admin for "${room.name}".`,
      );
      await s.reply(`${Code.OK} Ok`);
    },
  },
  WHOK: {
    access: "user",
    async run(s) {
      const room = await roomAideRoom(s);
      const store = s.server.store;
      const aideRoom = await readConfig(store, "c_aideroom", "Aide");
      const names: string[] = [];
      for await (const u of listUsers(store)) {
        if (u.fullname === "") continue;
        const ua = accessBits(u, room, await getVisit(store, room, u.usernum), aideRoom);
        if (ua & UA.KNOWN) names.push(u.fullname);
      }
      await s.listing("Who knows room:", names);
    },
  },
  INVT: {
    access: "user",
    async run(s, _args, raw) {
      const { room, name } = await membershipTarget(s, raw);
      await setMembership(s, room, name, true);
      await s.reply(`${Code.OK} ${name} invited to ${room.name}.`);
    },
  },
  KICK: {
    access: "user",
    async run(s, _args, raw) {
      const { room, name } = await membershipTarget(s, raw);
      await setMembership(s, room, name, false);
      await s.reply(`${Code.OK} ${name} kicked out of ${room.name}.`);
    },
  },
};
