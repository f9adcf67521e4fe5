import { GETR_FIELDS, wireFields } from "../../schema/wire_orders.ts";
import { Code, CtdlError } from "../../errors.ts";
import { readConfig } from "../../store/control.ts";
import {
  createRoom,
  floorOp,
  getFloor,
  getRoom,
  mailboxName,
  RoomFlag,
  RoomFlag2,
  roomKey,
  roomMessages,
  roomOp,
  stripMailboxPrefix,
  View,
  VisitFlag,
} from "../../store/rooms.ts";
import type { Op } from "../../store/store.ts";
import type { Room } from "../../store/tables.ts";
import { AxLevel } from "../../store/users.ts";
import { atol, intOr } from "../args.ts";
import { currentRoom, enterBaseRoom, isRoomAide, mailboxOwner, roomAideRoom } from "../access.ts";
import { deleteFromRoom } from "../../store/messages.ts";
import { checkClientRoomName } from "../mailbox.ts";
import { aideNotice } from "../post_message.ts";
import { instantFlag, updateVisit, usableFloor } from "../room_state.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/** The `type` argument of CRE8 to QR flags. */
function typeFlags(type: number): number {
  switch (type) {
    case 0:
      return RoomFlag.INUSE;
    case 1:
      return RoomFlag.INUSE | RoomFlag.PRIVATE | RoomFlag.GUESSNAME;
    case 2:
      return RoomFlag.INUSE | RoomFlag.PRIVATE | RoomFlag.PASSWORDED;
    case 3:
      return RoomFlag.INUSE | RoomFlag.PRIVATE;
    case 4:
    case 5:
      return RoomFlag.INUSE | RoomFlag.MAILBOX;
    default:
      throw new CtdlError(Code.ILLEGAL_VALUE, "Invalid room type.");
  }
}

/** CRE8 ok|name|type|password|floor|avoid_access|default_view */
async function create(s: Session, args: string[]): Promise<void> {
  const store = s.server.store;
  const user = await s.refreshUser();
  const ok = intOr(args[0], 0);
  const given = (args[1] ?? "").trim();
  const type = intOr(args[2], 0);
  // QRpasswd is char[10] in Citadel: 9 characters and the NUL.
  const password = (args[3] ?? "").slice(0, 9);
  const floorArg = args[4];
  const avoidAccess = intOr(args[5], 0) !== 0;
  const view = intOr(args[6], 0);
  if (given === "" && ok === 1) throw new CtdlError(Code.ILLEGAL_VALUE, "Invalid room name.");
  if (given.toLowerCase() === "mail") {
    throw new CtdlError(Code.ALREADY_EXISTS, `'${given}' already exists.`);
  }
  checkClientRoomName(given);
  let floor = 0;
  if (floorArg !== undefined && floorArg.trim() !== "") {
    floor = intOr(floorArg, 0);
    await usableFloor(s, floor);
  }
  const createax = Number(await readConfig(store, "c_createax", "3")) || 0;
  if (user.axlevel < createax) {
    throw new CtdlError(Code.HIGHER_ACCESS_REQUIRED, "You need higher access to create rooms.");
  }
  if (given === "") {
    await s.reply(`${Code.OK} Ok to create rooms.`);
    return;
  }
  const flags = typeFlags(type);
  if (type === 5 && user.axlevel < AxLevel.AIDE) {
    throw new CtdlError(Code.HIGHER_ACCESS_REQUIRED, "Higher access required");
  }
  // Personal rooms live under the user's mailbox prefix, always on the main floor.
  const name = type === 4 ? mailboxName(user.usernum, given) : given;
  if (type === 4) floor = 0;
  if (await getRoom(store, name)) {
    throw new CtdlError(Code.ALREADY_EXISTS, `'${given}' already exists.`);
  }
  if (ok === 0) {
    await s.reply(`${Code.OK} OK to create '${given}'`);
    return;
  }
  const creataide = (await readConfig(store, "c_creataide", "0")) === "1";
  const room = await createRoom(store, {
    name,
    flags,
    password: type === 2 ? password : "",
    floor,
    defaultview: view,
    // Citadel makes the creator room aide of a private room when c_creataide is set, and
    // of a blog room always.
    roomaide: ((flags & RoomFlag.PRIVATE) && creataide) || view === View.BLOG ? user.usernum : -1,
  });
  if (!avoidAccess) {
    await updateVisit(s, room, (v) => ({
      ...v,
      flags: (v.flags & ~(VisitFlag.FORGET | VisitFlag.LOCKOUT)) | VisitFlag.ACCESS,
    }));
  }
  await aideNotice(
    s,
    "Room Creation Message",
    `A new room called "${given}" has been created by ${user.fullname}`,
  );
  await s.reply(`${Code.OK} '${given}' has been created.`);
}

/** SETR name|password|dirname|QRflags|bump|floor|order|default_view|QRflags2 */
async function setRoom(s: Session, args: string[]): Promise<void> {
  const store = s.server.store;
  const user = await s.refreshUser();
  const room = await currentRoom(s);
  const isMailbox = (room.flags & RoomFlag.MAILBOX) !== 0;
  const ownMailbox = isMailbox && mailboxOwner(room) === user.usernum;
  if (!isRoomAide(s.requireUser(), room) && !ownMailbox) {
    throw new CtdlError(
      Code.HIGHER_ACCESS_REQUIRED,
      `You do not have permission to edit '${room.name}'`,
    );
  }
  // Citadel's is_noneditable: a user's Mail room keeps its name and settings.
  if (isMailbox && stripMailboxPrefix(room.name).toLowerCase() === "mail") {
    throw new CtdlError(Code.NOT_HERE, "Cannot edit this room.");
  }
  if (args.length < 4) {
    throw new CtdlError(
      512,
      "SETR takes name|password|dirname|flags[|bump|floor|order|view|flags2]",
    );
  }
  const given = args[0].trim();
  checkClientRoomName(given);
  // A mailbox room is renamed inside its owner's namespace.
  const prefix = isMailbox ? (/^\d+\./.exec(room.name)?.[0] ?? "") : "";
  const newName = prefix + given;
  if (given === "" || new TextEncoder().encode(newName).length > 127) {
    throw new CtdlError(Code.ILLEGAL_VALUE, "Invalid room name.");
  }
  const flagsArg = intOr(args[3], 0);
  const bump = intOr(args[4], 0) !== 0;
  // Mailbox rooms always stay on the main floor.
  const floor = args.length >= 6 && !isMailbox ? intOr(args[5], room.floor) : room.floor;
  if (floor !== room.floor) await usableFloor(s, floor);
  let order = room.order;
  if (args.length >= 7) order = Math.min(127, Math.max(1, intOr(args[6], room.order)));
  const view = args.length >= 8 ? intOr(args[7], room.defaultview) : room.defaultview;
  // QR2_SYSTEM marks Citadel's own rooms; a client may not set or clear it.
  const flags2 = args.length >= 9
    ? (intOr(args[8], room.flags2) & ~RoomFlag2.SYSTEM) |
      (room.flags2 & RoomFlag2.SYSTEM)
    : room.flags2;
  const baseRoom = await readConfig(store, "c_baseroom", "Lobby");
  const aideRoom = await readConfig(store, "c_aideroom", "Aide");
  const isBase = room.name.toLowerCase() === baseRoom.toLowerCase();
  const isAideRoom = room.name.toLowerCase() === aideRoom.toLowerCase();
  const renamed = roomKey(newName) !== roomKey(room.name);
  if (renamed && (isBase || isAideRoom)) {
    throw new CtdlError(Code.NOT_HERE, `'${room.name}' is a system room and cannot be renamed.`);
  }

  let flags = flagsArg | RoomFlag.INUSE;
  // Citadel's clean-up of a client boo-boo: guess-name and passworded rooms are private.
  if (flags & (RoomFlag.GUESSNAME | RoomFlag.PASSWORDED)) flags |= RoomFlag.PRIVATE;
  // Mailbox-ness is the namespace of the name; SETR can neither add nor remove it.
  flags = (flags & ~RoomFlag.MAILBOX) | (room.flags & RoomFlag.MAILBOX);
  const updated: Room = {
    ...room,
    name: newName,
    password: args[1].slice(0, 9),
    dirname: args[2].slice(0, 14),
    flags,
    floor,
    order,
    defaultview: view,
    flags2,
    mtime: Math.floor(Date.now() / 1000),
  };
  if (isBase) {
    // Citadel means to keep the base room public and first, but its mask is a no-op
    // (~(A & B) == ~0); we do what it means, so a slip of a client cannot lock out everyone.
    updated.order = 0;
    updated.password = "";
    updated.flags = (updated.flags & ~(RoomFlag.PRIVATE | RoomFlag.PASSWORDED |
      RoomFlag.GUESSNAME | RoomFlag.PREFONLY)) | RoomFlag.PERMANENT;
  }
  if (isAideRoom) {
    updated.order = 0;
    updated.flags |= RoomFlag.PERMANENT;
  }
  if (bump && !isBase) {
    // A new generation orphans every visit: everyone forgets a private room.
    updated.gen = Math.max(Math.floor(Date.now() / 1000), room.gen + 1);
  }

  await store.update(async (r) => {
    const current = await getRoom(r, room.name);
    if (!current || current.number !== room.number) {
      throw new CtdlError(Code.ROOM_NOT_FOUND, `room '${room.name}' not found`);
    }
    const ops: Op[] = [];
    if (renamed) {
      const clash = await getRoom(r, newName);
      if (clash) throw new CtdlError(Code.ALREADY_EXISTS, `'${newName}' already exists.`);
      ops.push({ table: "rooms", key: [roomKey(room.name)], value: null });
    }
    ops.push(roomOp({ ...updated, highest: current.highest }));
    if (floor !== current.floor) {
      const from = await getFloor(r, current.floor);
      const to = await getFloor(r, floor);
      if (from) {
        ops.push(floorOp(current.floor, { ...from, refcount: Math.max(0, from.refcount - 1) }));
      }
      if (to) ops.push(floorOp(floor, { ...to, refcount: to.refcount + 1 }));
    }
    return { ops };
  });
  s.room = (await getRoom(store, newName)) ?? s.room;
  await aideNotice(
    s,
    "Room modification Message",
    `The room "${room.name}" has been edited by ${user.fullname}.`,
  );
  await s.reply(`${Code.OK} Ok`);
}

/**
 * KILL 0|1: checks, then deletes the current room with its messages, and puts the session
 * back in the base room. 902 instead renames a killed room to `9999999999.<hex>.0001.<name>`
 * and leaves it in Aides' room lists (a bug its README lists); ctdlsync removes it.
 */
async function killRoom(s: Session, args: string[]): Promise<void> {
  const store = s.server.store;
  const user = s.requireUser();
  const room = await currentRoom(s);
  const system = [
    await readConfig(store, "c_baseroom", "Lobby"),
    await readConfig(store, "c_aideroom", "Aide"),
  ]
    .some((n) => n.toLowerCase() === room.name.toLowerCase());
  if (system || (room.flags & RoomFlag.MAILBOX && mailboxOwner(room) !== user.usernum)) {
    throw new CtdlError(Code.NOT_HERE, "Can't delete this room.");
  }
  if (!isRoomAide(user, room) && mailboxOwner(room) !== user.usernum) {
    throw new CtdlError(Code.NOT_HERE, "Can't delete this room.");
  }
  if (atol(args[0]) === 0) {
    await s.reply(`${Code.OK} ok to delete.`);
    return;
  }
  for (const n of await roomMessages(store, room.number)) {
    await deleteFromRoom(store, room.name, n).catch((e) => {
      if (!(e instanceof CtdlError && e.code === 575)) throw e;
    });
  }
  await store.update(async (r) => {
    const fresh = await getRoom(r, room.name);
    if (!fresh || fresh.number !== room.number) return { ops: [] };
    const ops: Op[] = [{ table: "rooms", key: [roomKey(room.name)], value: null }];
    const floor = await getFloor(r, fresh.floor);
    if (floor) {
      ops.push(floorOp(fresh.floor, { ...floor, refcount: Math.max(0, floor.refcount - 1) }));
    }
    if (await r.get("roominfo", [room.number])) {
      ops.push({ table: "roominfo", key: [room.number], value: null });
    }
    return { ops };
  });
  await enterBaseRoom(s);
  await aideNotice(
    s,
    "Room Purger Message",
    `The room "${room.name}" has been deleted by ${user.fullname}.`,
  );
  await s.reply(`${Code.OK} '${room.name}' deleted.`);
}

/** Making and editing rooms: CRE8, GETR, SETR, KILL. */
export const roomAdminCommands: CommandTable = {
  CRE8: { access: "user", run: create },
  GETR: {
    access: "user",
    async run(s) {
      const room = await roomAideRoom(s);
      const name = room.flags & RoomFlag.MAILBOX ? stripMailboxPrefix(room.name) : room.name;
      const fields = wireFields(room, GETR_FIELDS, {
        name,
        password: room.flags & RoomFlag.PASSWORDED ? room.password : "",
        dirname: room.flags & RoomFlag.DIRECTORY ? room.dirname : "",
      });
      await s.reply(`${Code.OK}${instantFlag(s)}${fields.join("|")}|`);
    },
  },
  SETR: { access: "user", run: setRoom },
  KILL: { access: "user", run: killRoom },
};
