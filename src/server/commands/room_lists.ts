import { readConfig } from "../../store/control.ts";
import { getVisit, listRooms, RoomFlag } from "../../store/rooms.ts";
import type { Room } from "../../store/tables.ts";
import { intOr } from "../args.ts";
import { accessBits, displayRoomName, UA } from "../access.ts";
import type { Command, CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/** Which rooms a room-list command shows, from their UA bits. */
type RoomFilter = (ua: number, room: Room) => boolean;

/**
 * One LKRA-family listing: every room on `floorArg` (-1 or absent: all) that `filter`
 * takes, as `name|QRflags|floor|order|QRflags2|ua|current_view|default_view|mtime|`.
 */
async function listRoomsCommand(
  s: Session,
  header: string,
  floorArg: string | undefined,
  filter: RoomFilter,
): Promise<void> {
  const store = s.server.store;
  const floor = intOr(floorArg, -1);
  const aideRoom = await readConfig(store, "c_aideroom", "Aide");
  const user = s.user;
  const lines: string[] = [];
  for await (const room of listRooms(store)) {
    if (floor >= 0 && room.floor !== floor) continue;
    const visit = user
      ? await getVisit(store, room, user.usernum)
      : { lastseen: 0, flags: 0, seen: "", answered: "", view: room.defaultview };
    const ua = accessBits(user, room, visit, aideRoom);
    if (!filter(ua, room)) continue;
    const fields = [
      displayRoomName(room, user),
      room.flags,
      room.floor,
      room.order,
      room.flags2,
      ua,
      visit.view,
      room.defaultview,
      room.mtime,
    ];
    lines.push(`${fields.join("|")}|`);
  }
  await s.listing(header, lines);
}

const has = (ua: number, bits: number) => (ua & bits) === bits;

/** One room-list verb: its header and which rooms it takes. */
function roomList(access: Command["access"], header: string, filter: RoomFilter): Command {
  return { access, run: (s, args) => listRoomsCommand(s, header, args[0], filter) };
}

/** The room lists: LKRA, LKRN, LKRO, LZRM, LRMS, LPRM. */
export const roomListCommands: CommandTable = {
  LKRA: roomList("user", "Known rooms:", (ua) => has(ua, UA.KNOWN)),
  LKRN: roomList("user", "Rooms w/ new msgs:", (ua) => has(ua, UA.KNOWN | UA.HASNEWMSGS)),
  LKRO: roomList(
    "user",
    "Rooms w/o new msgs:",
    (ua) => has(ua, UA.KNOWN) && !(ua & UA.HASNEWMSGS),
  ),
  LZRM: roomList("user", "Zapped rooms:", (ua) => has(ua, UA.GOTOALLOWED | UA.ZAPPED)),
  LRMS: roomList("user", "Accessible rooms:", (ua) => (ua & (UA.KNOWN | UA.ZAPPED)) !== 0),
  // Citadel answers LPRM without a login: it shows only what anyone could see.
  LPRM: roomList(
    "any",
    "Public rooms:",
    (_ua, room) => !(room.flags & (RoomFlag.PRIVATE | RoomFlag.MAILBOX)),
  ),
};
