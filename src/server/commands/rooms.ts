import { Code, CtdlError } from "../../errors.ts";
import { fieldText } from "../../message/message.ts";
import { readConfig } from "../../store/control.ts";
import { getMessage } from "../../store/messages.ts";
import {
  createRoom,
  floorOp,
  getFloor,
  getRoom,
  getVisit,
  listFloors,
  listRooms,
  mailboxName,
  RoomFlag,
  RoomFlag2,
  roomKey,
  roomMessages,
  roomOp,
  VisitFlag,
  visitOp,
} from "../../store/rooms.ts";
import { isSeen, markSeen, parseSeen, seenUpTo } from "../../store/seen_set.ts";
import type { Op } from "../../store/store.ts";
import type { Floor, Room, Visit } from "../../store/tables.ts";
import { AxLevel } from "../../store/users.ts";
import {
  accessBits,
  currentRoom,
  displayRoomName,
  enterBaseRoom,
  mailboxOwner,
  resolveRoom,
  UA,
} from "../access.ts";
import { checkClientRoomName } from "../mailbox.ts";
import type { CommandTable, Session } from "../session.ts";

/** Citadel's MAXFLOORS. */
const MAX_FLOORS = 16;

/** An integer argument; `fallback` when absent or empty, 512 when it is not a number. */
function intArg(v: string | undefined, what: string, fallback: number): number {
  if (v === undefined || v.trim() === "") return fallback;
  if (!/^-?\d{1,15}$/.test(v.trim())) throw new CtdlError(512, `${what} must be a number`);
  return Number(v.trim());
}

/** The `*` after the code that tells a client instant messages are waiting. */
function flag(s: Session): string {
  return s.instantMessages.length > 0 ? "*" : " ";
}

/** A floor by number that is in use, or 561. */
async function usableFloor(s: Session, num: number): Promise<Floor> {
  const floor = num >= 0 && num < MAX_FLOORS ? await getFloor(s.server.store, num) : null;
  if (!floor || (floor.flags & 1) === 0) throw new CtdlError(561, "Invalid floor number.");
  return floor;
}

/**
 * Rewrites the user's visit of `room` (read-modify-write in one commit). An unchanged record
 * costs no commit, but still goes through the store, so single-user mode refuses it.
 */
async function updateVisit(
  s: Session,
  room: Room,
  change: (v: Visit) => Visit,
): Promise<Visit> {
  const usernum = s.requireUser().usernum;
  let result: Visit | undefined;
  await s.server.store.update(async (r) => {
    result = change(await getVisit(r, room, usernum));
    return { ops: [visitOp(room, usernum, result)] };
  });
  return result!;
}

/** True when the session's user may administer `room` (Aide or its room aide). */
function isRoomAide(s: Session, room: Room): boolean {
  const u = s.requireUser();
  return u.axlevel >= AxLevel.AIDE || (room.roomaide >= 0 && room.roomaide === u.usernum);
}

/** The current room, when the user may administer it; 550 otherwise. */
async function roomAideRoom(s: Session): Promise<Room> {
  const room = await currentRoom(s);
  if (!isRoomAide(s, room)) {
    throw new CtdlError(550, "This command requires Room Admin access.");
  }
  return room;
}

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
  const floor = intArg(floorArg, "floor", -1);
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

/** The room banner: the roominfo record, else the text of the `msgnum_info` message. */
async function roomBanner(s: Session, room: Room): Promise<string | null> {
  const store = s.server.store;
  const info = await store.get("roominfo", [room.number]);
  if (info) return new TextDecoder().decode(info);
  if (room.msgnum_info <= 0) return null;
  const msg = await getMessage(store, room.msgnum_info);
  if (!msg) return null;
  let text = fieldText(msg, "M") ?? "";
  // A MIME banner (format 4) carries its headers inside M; the text starts after them.
  if (msg.format === 4) text = text.replace(/^[\s\S]*?\r?\n\r?\n/, "");
  return text;
}

/**
 * GOTO: enters a room the user may enter and answers the 16 fields. Entering marks the room
 * known (unless transient); a single-user refusal of that write still lets the user in.
 */
async function gotoRoom(s: Session, args: string[]): Promise<void> {
  const store = s.server.store;
  const user = await s.refreshUser();
  const wanted = (args[0] ?? "").trim();
  const password = args[1] ?? "";
  const transient = intArg(args[2], "transient", 0) !== 0;
  if (wanted === "") throw new CtdlError(572, "room '' not found");
  const room = await resolveRoom(store, user, wanted);
  const notFound = () => new CtdlError(572, `room '${wanted}' not found`);
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
      throw new CtdlError(540, "wrong or missing passwd");
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
  const banner = (await store.get("roominfo", [room.number])) !== null || room.msgnum_info > 0;
  // The banner counts as new when it is newer than the last-read pointer, or on a user's
  // first real entry (our roominfo records carry no message number to compare).
  const info = banner &&
      (room.msgnum_info > before.lastseen || !(before.flags & VisitFlag.ACCESS))
    ? 1
    : 0;
  const isRoomAideFlag = isRoomAide(s, room) ? 1 : 0;
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
    0, // new mail: modern Citadel always sends 0
    room.floor,
    visit.view,
    room.defaultview,
    isTrash,
    room.flags2,
    room.mtime,
  ];
  await s.reply(`200${flag(s)}${fields.join("|")}|`);
}

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
      throw new CtdlError(512, "Invalid room type.");
  }
}

/** CRE8 ok|name|type|password|floor|avoid_access|default_view */
async function create(s: Session, args: string[]): Promise<void> {
  const store = s.server.store;
  const user = await s.refreshUser();
  const ok = intArg(args[0], "ok", 0);
  const given = (args[1] ?? "").trim();
  const type = intArg(args[2], "type", 0);
  // QRpasswd is char[10] in Citadel: 9 characters and the NUL.
  const password = (args[3] ?? "").slice(0, 9);
  const floorArg = args[4];
  const avoidAccess = intArg(args[5], "avoid_access", 0) !== 0;
  const view = intArg(args[6], "default_view", 0);
  if (given === "" && ok === 1) throw new CtdlError(512, "Invalid room name.");
  if (given.toLowerCase() === "mail") throw new CtdlError(574, `'${given}' already exists.`);
  checkClientRoomName(given);
  let floor = 0;
  if (floorArg !== undefined && floorArg.trim() !== "") {
    floor = intArg(floorArg, "floor", 0);
    await usableFloor(s, floor);
  }
  const createax = Number(await readConfig(store, "c_createax", "3")) || 0;
  if (user.axlevel < createax) {
    throw new CtdlError(550, "You need higher access to create rooms.");
  }
  if (given === "") {
    await s.reply("200 Ok to create rooms.");
    return;
  }
  const flags = typeFlags(type);
  if (type === 5 && user.axlevel < AxLevel.AIDE) {
    throw new CtdlError(550, "Higher access required");
  }
  // Personal rooms live under the user's mailbox prefix, always on the main floor.
  const name = type === 4 ? mailboxName(user.usernum, given) : given;
  if (type === 4) floor = 0;
  if (await getRoom(store, name)) throw new CtdlError(574, `'${given}' already exists.`);
  if (ok === 0) {
    await s.reply(`200 OK to create '${given}'`);
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
    roomaide: ((flags & RoomFlag.PRIVATE) && creataide) || view === 10 ? user.usernum : -1,
  });
  if (!avoidAccess) {
    await updateVisit(s, room, (v) => ({
      ...v,
      flags: (v.flags & ~(VisitFlag.FORGET | VisitFlag.LOCKOUT)) | VisitFlag.ACCESS,
    }));
  }
  await s.reply(`200 '${given}' has been created.`);
}

/** SETR name|password|dirname|QRflags|bump|floor|order|default_view|QRflags2 */
async function setRoom(s: Session, args: string[]): Promise<void> {
  const store = s.server.store;
  const user = await s.refreshUser();
  const room = await currentRoom(s);
  const isMailbox = (room.flags & RoomFlag.MAILBOX) !== 0;
  const ownMailbox = isMailbox && mailboxOwner(room) === user.usernum;
  if (!isRoomAide(s, room) && !ownMailbox) {
    throw new CtdlError(550, `You do not have permission to edit '${room.name}'`);
  }
  // Citadel's is_noneditable: a user's Mail room keeps its name and settings.
  if (isMailbox && room.name.replace(/^\d+\./, "").toLowerCase() === "mail") {
    throw new CtdlError(560, "Cannot edit this room.");
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
    throw new CtdlError(512, "Invalid room name.");
  }
  const flagsArg = intArg(args[3], "flags", 0);
  const bump = intArg(args[4], "bump", 0) !== 0;
  // Mailbox rooms always stay on the main floor.
  const floor = args.length >= 6 && !isMailbox ? intArg(args[5], "floor", room.floor) : room.floor;
  if (floor !== room.floor) await usableFloor(s, floor);
  let order = room.order;
  if (args.length >= 7) order = Math.min(127, Math.max(1, intArg(args[6], "order", room.order)));
  const view = args.length >= 8
    ? intArg(args[7], "default_view", room.defaultview)
    : room.defaultview;
  // QR2_SYSTEM marks Citadel's own rooms; a client may not set or clear it.
  const flags2 = args.length >= 9
    ? (intArg(args[8], "flags2", room.flags2) & ~RoomFlag2.SYSTEM) |
      (room.flags2 & RoomFlag2.SYSTEM)
    : room.flags2;
  const baseRoom = await readConfig(store, "c_baseroom", "Lobby");
  const aideRoom = await readConfig(store, "c_aideroom", "Aide");
  const isBase = room.name.toLowerCase() === baseRoom.toLowerCase();
  const isAideRoom = room.name.toLowerCase() === aideRoom.toLowerCase();
  const renamed = roomKey(newName) !== roomKey(room.name);
  if (renamed && (isBase || isAideRoom)) {
    throw new CtdlError(560, `'${room.name}' is a system room and cannot be renamed.`);
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
      throw new CtdlError(572, `room '${room.name}' not found`);
    }
    const ops: Op[] = [];
    if (renamed) {
      const clash = await getRoom(r, newName);
      if (clash) throw new CtdlError(574, `'${newName}' already exists.`);
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
  await s.reply("200 Ok");
}

/** CFLR name|ok: a new floor in the first free slot. */
async function createFloor(s: Session, args: string[]): Promise<void> {
  const name = (args[0] ?? "").trim();
  const ok = intArg(args[1], "ok", 0);
  if (name === "") throw new CtdlError(512, "Blank floor name not allowed.");
  if (name.includes("|")) throw new CtdlError(512, "Invalid floor name.");
  let slot = -1;
  await s.server.store.update(async (r) => {
    slot = -1;
    for (let n = 0; n < MAX_FLOORS; n++) {
      const f = await getFloor(r, n);
      const inUse = f !== null && (f.flags & 1) !== 0;
      if (!inUse && slot < 0) slot = n;
      if (inUse && f.name.toLowerCase() === name.toLowerCase()) {
        throw new CtdlError(574, `Floor '${f.name}' already exists.`);
      }
    }
    if (slot < 0) {
      throw new CtdlError(561, "There is no space available for a new floor.");
    }
    if (ok === 0) return { ops: [] };
    return { ops: [floorOp(slot, { flags: 1, name, refcount: 0, ep_mode: 0, ep_value: 0 })] };
  });
  await s.reply(ok === 0 ? "200 ok to create..." : `200 ${slot}`);
}

/** KFLR num|ok: deletes an empty floor (marks it not in use). */
async function killFloor(s: Session, args: string[]): Promise<void> {
  const num = intArg(args[0], "floor", -1);
  const ok = intArg(args[1], "ok", 0);
  await s.server.store.update(async (r) => {
    const floor = num >= 0 && num < MAX_FLOORS ? await getFloor(r, num) : null;
    if (!floor || (floor.flags & 1) === 0) {
      throw new CtdlError(561, `Floor ${num} not in use.`);
    }
    if (floor.refcount !== 0) {
      throw new CtdlError(561, `Cannot delete; floor contains ${floor.refcount} rooms.`);
    }
    return { ops: ok === 1 ? [floorOp(num, { ...floor, flags: 0 })] : [] };
  });
  await s.reply(ok === 1 ? "200 Ok" : "200 Ok to delete...");
}

/** EFLR num|name: renames a floor. */
async function editFloor(s: Session, args: string[]): Promise<void> {
  if (args.length < 1 || args[0].trim() === "") throw new CtdlError(512, "Usage error.");
  const num = intArg(args[0], "floor", -1);
  const name = args.length >= 2 ? args[1].trim() : null;
  if (name === "") throw new CtdlError(512, "Blank floor name not allowed.");
  await s.server.store.update(async (r) => {
    const floor = num >= 0 && num < MAX_FLOORS ? await getFloor(r, num) : null;
    if (!floor || (floor.flags & 1) === 0) {
      throw new CtdlError(561, `Floor ${num} is not in use.`);
    }
    return { ops: name === null ? [] : [floorOp(num, { ...floor, name })] };
  });
  await s.reply("200 Ok");
}

/**
 * Room and floor commands: the room lists (LKRA LKRN LKRO LZRM LRMS LPRM), GOTO, RINF, LFLR,
 * SLRP, FORG, SEEN, GTSN, CRE8, CFLR, KFLR, EFLR, GETR, SETR.
 */
export const roomCommands: CommandTable = {
  LKRA: {
    access: "user",
    run: (s, args) => listRoomsCommand(s, "Known rooms:", args[0], (ua) => has(ua, UA.KNOWN)),
  },
  LKRN: {
    access: "user",
    run: (s, args) =>
      listRoomsCommand(
        s,
        "Rooms w/ new msgs:",
        args[0],
        (ua) => has(ua, UA.KNOWN | UA.HASNEWMSGS),
      ),
  },
  LKRO: {
    access: "user",
    run: (s, args) =>
      listRoomsCommand(
        s,
        "Rooms w/o new msgs:",
        args[0],
        (ua) => has(ua, UA.KNOWN) && !(ua & UA.HASNEWMSGS),
      ),
  },
  LZRM: {
    access: "user",
    run: (s, args) =>
      listRoomsCommand(
        s,
        "Zapped rooms:",
        args[0],
        (ua) => has(ua, UA.GOTOALLOWED | UA.ZAPPED),
      ),
  },
  LRMS: {
    access: "user",
    run: (s, args) =>
      listRoomsCommand(
        s,
        "Accessible rooms:",
        args[0],
        (ua) => (ua & (UA.KNOWN | UA.ZAPPED)) !== 0,
      ),
  },
  LPRM: {
    // Citadel answers LPRM without a login: it shows only what anyone could see.
    access: "any",
    run: (s, args) =>
      listRoomsCommand(
        s,
        "Public rooms:",
        args[0],
        (_ua, room) => !(room.flags & (RoomFlag.PRIVATE | RoomFlag.MAILBOX)),
      ),
  },
  GOTO: { access: "user", run: gotoRoom },
  RINF: {
    access: "user",
    async run(s) {
      const room = await currentRoom(s);
      const text = await roomBanner(s, room);
      if (text === null) throw new CtdlError(571, "No info file.");
      const lines = text.replace(/\r?\n$/, "").split(/\r?\n/);
      // A line of exactly "000" would end the listing early.
      await s.listing("Info:", lines.map((l) => (l === "000" ? "000 " : l)));
    },
  },
  LFLR: {
    access: "user",
    async run(s) {
      const floors = new Map(await listFloors(s.server.store));
      if (!floors.has(0)) floors.set(0, (await getFloor(s.server.store, 0))!);
      const lines = [...floors.entries()]
        .filter(([n, f]) => n < MAX_FLOORS && (f.flags & 1) !== 0)
        .sort(([a], [b]) => a - b)
        // Exactly three fields: Net::Citadel matches them with a greedy (.+)\|(.+)\|(.+).
        .map(([n, f]) => `${n}|${f.name}|${f.refcount}`);
      await s.listing("Known floors:", lines);
    },
  },
  SLRP: {
    access: "user",
    async run(s, args) {
      const room = await currentRoom(s);
      const arg = (args[0] ?? "").trim();
      const n = arg.toLowerCase().startsWith("highest")
        ? room.highest
        : intArg(arg, "message number", NaN);
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
      const msgnum = intArg(args[0], "message number", 0);
      if (msgnum <= 0) throw new CtdlError(512, "SEEN needs a message number");
      const on = intArg(args[1], "seen flag", 0) !== 0;
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
  CRE8: { access: "user", run: create },
  CFLR: { access: "aide", run: createFloor },
  KFLR: { access: "aide", run: killFloor },
  EFLR: { access: "aide", run: editFloor },
  GETR: {
    access: "user",
    async run(s) {
      const room = await roomAideRoom(s);
      const name = room.flags & RoomFlag.MAILBOX ? room.name.replace(/^\d+\./, "") : room.name;
      const fields = [
        name,
        room.flags & RoomFlag.PASSWORDED ? room.password : "",
        room.flags & RoomFlag.DIRECTORY ? room.dirname : "",
        room.flags,
        room.floor,
        room.order,
        room.defaultview,
        room.flags2,
      ];
      await s.reply(`200${flag(s)}${fields.join("|")}|`);
    },
  },
  SETR: { access: "user", run: setRoom },
};
