import { Code, CtdlError } from "../../errors.ts";
import { readConfig } from "../../store/control.ts";
import { getVisit, RoomFlag, roomMessages, VisitFlag } from "../../store/rooms.ts";
import { isSeen, parseSeen } from "../../store/seen_set.ts";
import type { Visit } from "../../store/tables.ts";
import { AxLevel } from "../../store/users.ts";
import { intOr } from "../args.ts";
import {
  accessBits,
  displayRoomName,
  isRoomAide,
  mailboxOwner,
  resolveRoom,
  UA,
} from "../access.ts";
import { instantFlag, updateVisit } from "../room_state.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/**
 * GOTO: enters a room the user may enter and answers the 16 fields. Entering marks the room
 * known (unless transient); a single-user refusal of that write still lets the user in.
 */
async function gotoRoom(s: Session, args: string[]): Promise<void> {
  const store = s.server.store;
  const user = await s.refreshUser();
  const wanted = (args[0] ?? "").trim();
  const password = args[1] ?? "";
  const transient = intOr(args[2], 0) !== 0;
  if (wanted === "") throw new CtdlError(Code.ROOM_NOT_FOUND, "room '' not found");
  const room = await resolveRoom(store, user, wanted);
  const notFound = () => new CtdlError(Code.ROOM_NOT_FOUND, `room '${wanted}' not found`);
  if (!room) throw notFound();
  const aideRoom = await readConfig(store, "c_aideroom", "Aide");
  const before = await getVisit(store, room, user.usernum);
  const ua = accessBits(user, room, before, aideRoom);
  if (!(ua & UA.GOTOALLOWED)) throw notFound();
  const isAide = user.axlevel >= AxLevel.AIDE;
  const isMailbox = (room.flags & RoomFlag.MAILBOX) !== 0;
  if (!isMailbox) {
    if (
      (room.flags & RoomFlag.PASSWORDED) && !(ua & UA.KNOWN) && !isAide &&
      password.toLowerCase() !== room.password.toLowerCase()
    ) {
      throw new CtdlError(Code.PASSWORD_REQUIRED, "wrong or missing passwd");
    }
    if (
      (room.flags & RoomFlag.PRIVATE) &&
      !(room.flags & (RoomFlag.PASSWORDED | RoomFlag.GUESSNAME)) && !(ua & UA.KNOWN) && !isAide
    ) {
      throw notFound();
    }
  }

  let visit = before;
  if (!transient) {
    const want = (v: Visit) => ({
      ...v,
      flags: (v.flags & ~VisitFlag.FORGET) | VisitFlag.ACCESS,
    });
    if (want(before).flags !== before.flags) {
      try {
        visit = await updateVisit(s, room, want);
      } catch (e) {
        // Single-user mode (or a read-only replica) refuses the write; Citadel would still
        // let the user in.
        if (!(e instanceof CtdlError && (e.code === 552 || e.code === Code.NOT_HERE))) throw e;
      }
    }
  }
  s.room = room;

  const msgs = await roomMessages(store, room.number);
  const seen = parseSeen(visit.seen);
  const unread = msgs.filter((n) => !isSeen(seen, n)).length;
  // The banner is new when its message number is above the user's last-read pointer.
  // Banners from older stores carry no number: they count as new on a first real entry.
  const numberless = room.msgnum_info <= 0 &&
    (await store.get("roominfo", [room.number])) !== null &&
    !(before.flags & VisitFlag.ACCESS);
  const info = room.msgnum_info > before.lastseen || numberless ? 1 : 0;
  // Mail that arrived during this session is announced once, in the next mailbox GOTO.
  const newMail = isMailbox && s.newMail ? 1 : 0;
  if (newMail) s.newMail = false;
  const isRoomAideFlag = isRoomAide(s.requireUser(), room) ? 1 : 0;
  const isTrash = isMailbox && mailboxOwner(room) === user.usernum &&
      displayRoomName(room, user).toLowerCase() === "trash"
    ? 1
    : 0;
  const fields = [
    displayRoomName(room, user),
    unread,
    msgs.length,
    info,
    room.flags,
    room.highest,
    visit.lastseen,
    isMailbox ? 1 : 0,
    isRoomAideFlag,
    newMail,
    room.floor,
    visit.view,
    room.defaultview,
    isTrash,
    room.flags2,
    room.mtime,
  ];
  await s.reply(`${Code.OK}${instantFlag(s)}${fields.join("|")}|`);
}

/** GOTO: entering a room. */
export const gotoCommands: CommandTable = {
  GOTO: { access: "user", run: gotoRoom },
};
