import { Code, CtdlError } from "../errors.ts";
import { readConfig } from "../store/control.ts";
import {
  getRoom,
  getVisit,
  RoomFlag,
  RoomFlag2,
  stripMailboxPrefix,
  View,
  VisitFlag,
} from "../store/rooms.ts";
import { isSeen, parseSeen } from "../store/seen_set.ts";
import type { Reader, Store } from "../store/store.ts";
import type { Room, User, Visit } from "../store/tables.ts";
import { AxLevel } from "../store/users.ts";
import { getMailbox, isMailboxForm } from "./mailbox.ts";
import type { Session } from "./session.ts";

/** UA_* access bits as LKRA and GOTO report them. */
export const UA = {
  KNOWN: 2,
  GOTOALLOWED: 4,
  HASNEWMSGS: 8,
  ZAPPED: 16,
  POSTALLOWED: 32,
  ADMINALLOWED: 64,
  DELETEALLOWED: 128,
  REPLYALLOWED: 256,
} as const;

/** The visit of someone not logged in: nothing seen, no flags. */
function emptyVisit(room: Room): Visit {
  return { lastseen: 0, flags: 0, seen: "", answered: "", view: room.defaultview };
}

/**
 * The user number a mailbox room belongs to (its 10-digit prefix), or 0 when the room is
 * not a mailbox. Citadel reads it with atol(QRname).
 */
export function mailboxOwner(room: Room): number {
  if ((room.flags & RoomFlag.MAILBOX) === 0) return 0;
  const m = /^(\d+)\./.exec(room.name);
  return m ? Number(m[1]) : 0;
}

/**
 * The UA bits of `user` for `room` given the visit record: Citadel's CtdlRoomAccess, step by
 * step. `aideRoom` is `c_aideroom`. Pure, so listings can compute many rooms from one read
 * of the config.
 */
export function accessBits(
  user: User | null,
  room: Room,
  visit: Visit,
  aideRoom = "Aide",
): number {
  const ax = user?.axlevel ?? 0;
  const usernum = user?.usernum ?? -1;
  const isPrivate = (room.flags & RoomFlag.PRIVATE) !== 0;
  const isMailbox = (room.flags & RoomFlag.MAILBOX) !== 0;
  const owner = mailboxOwner(room);
  const all = UA.KNOWN | UA.GOTOALLOWED | UA.POSTALLOWED | UA.DELETEALLOWED | UA.REPLYALLOWED;
  let ua = 0;

  if (room.name.toLowerCase() === aideRoom.toLowerCase()) {
    // The Aide room ignores every other rule: Aides only.
    ua = ax >= AxLevel.AIDE ? all : 0;
  } else {
    if (!isPrivate && !isMailbox) ua |= UA.KNOWN | UA.GOTOALLOWED;
    if ((room.flags & RoomFlag.PREFONLY) && ax < AxLevel.PREFERRED) {
      ua &= ~(UA.KNOWN | UA.GOTOALLOWED);
    }
    if (isPrivate && !isMailbox) {
      if (visit.flags & VisitFlag.ACCESS) ua |= UA.KNOWN | UA.GOTOALLOWED;
      else if (room.flags & (RoomFlag.GUESSNAME | RoomFlag.PASSWORDED)) {
        // Hidden and passworded rooms may be tried by name, but are not listed.
        ua = (ua & ~UA.KNOWN) | UA.GOTOALLOWED;
      }
    }
    if (isMailbox && owner !== 0) {
      if (owner === usernum || (visit.flags & VisitFlag.ACCESS)) ua |= all;
    } else {
      let post = true;
      let reply = true;
      if (ax < AxLevel.PROBLEM) post = reply = false;
      if (ax < AxLevel.NETWORK && (room.flags & RoomFlag.NETWORK)) post = reply = false;
      // Read-only rooms still take posts and replies from Aides and the room aide.
      const roomAdmin = ax >= AxLevel.AIDE || (user !== null && usernum === room.roomaide);
      if ((room.flags & RoomFlag.READONLY) && !roomAdmin) post = reply = false;
      if (room.defaultview === View.BLOG) post = false; // a blog takes replies only
      if (post) ua |= UA.POSTALLOWED;
      if (reply) ua |= UA.REPLYALLOWED;
      if ((room.flags2 & RoomFlag2.COLLABDEL) && (ua & UA.POSTALLOWED)) ua |= UA.DELETEALLOWED;
    }
    if (visit.flags & VisitFlag.FORGET) {
      ua &= ~UA.KNOWN;
      if ((!isPrivate && !isMailbox) || (isMailbox && owner === usernum)) ua |= UA.ZAPPED;
    }
    if (visit.flags & VisitFlag.LOCKOUT) {
      ua &= ~(UA.KNOWN | UA.GOTOALLOWED | UA.POSTALLOWED);
    }
    if (ax >= AxLevel.AIDE && !isMailbox) {
      ua |= (visit.flags & VisitFlag.FORGET)
        ? UA.GOTOALLOWED | UA.POSTALLOWED
        : UA.KNOWN | UA.GOTOALLOWED | UA.POSTALLOWED;
    }
    // Aides may enter other people's mailboxes, but they are never listed for them.
    if (ax >= AxLevel.AIDE && isMailbox) ua |= UA.GOTOALLOWED | UA.POSTALLOWED;
    if (ax >= AxLevel.AIDE || (user !== null && usernum === room.roomaide)) {
      ua |= UA.ADMINALLOWED | UA.DELETEALLOWED;
    }
  }
  // Citadel reads an empty seen set as "0", so a room that never had a message is not new.
  if (room.highest > 0 && !isSeen(parseSeen(visit.seen), room.highest)) ua |= UA.HASNEWMSGS;
  if (room.flags2 & RoomFlag2.SYSTEM) ua &= ~UA.KNOWN;
  return ua;
}

/** Citadel's CtdlRoomAccess: the UA bits and the visit record of `user` for `room`. */
export async function roomAccess(
  store: Store,
  user: User | null,
  room: Room,
  aideRoom?: string,
): Promise<{ ua: number; visit: Visit }> {
  const visit = user ? await getVisit(store, room, user.usernum) : emptyVisit(room);
  aideRoom ??= await readConfig(store, "c_aideroom", "Aide");
  return { ua: accessBits(user, room, visit, aideRoom), visit };
}

/** GOTO's macro names and what they stand for; `personal` ones are the user's own rooms. */
const MACROS: Record<string, { config?: string; fallback: string; personal: boolean }> = {
  _BASEROOM_: { config: "c_baseroom", fallback: "Lobby", personal: false },
  _BITBUCKET_: { config: "c_twitroom", fallback: "Trashcan", personal: false },
  _MAIL_: { fallback: "Mail", personal: true },
  _TRASH_: { fallback: "Trash", personal: true },
  _DRAFTS_: { fallback: "Drafts", personal: true },
  _CALENDAR_: { fallback: "Calendar", personal: true },
  _TASKS_: { fallback: "Tasks", personal: true },
  _CONTACTS_: { fallback: "Contacts", personal: true },
  _NOTES_: { fallback: "Notes", personal: true },
};

/**
 * Finds the room a client named (GOTO): macros _BASEROOM_ (config c_baseroom, default
 * Lobby), _MAIL_, _TRASH_, _DRAFTS_, _BITBUCKET_ (c_twitroom), _CALENDAR_, _TASKS_,
 * _CONTACTS_, _NOTES_; the user's own mailbox rooms by their short name ("Mail" ->
 * "0000000003.Mail"); else by name (case-insensitive). null if none.
 *
 * Macros for personal rooms try the user's own room first; a plain name tries a room of
 * that name first and then the user's own room, as Citadel's cmd_goto does, so a public
 * "Calendar" stays reachable by name for someone who also has a personal one.
 */
export async function resolveRoom(
  store: Store | Reader,
  user: User | null,
  name: string,
): Promise<Room | null> {
  const wanted = name.trim();
  if (wanted === "") return null;
  const macro = Object.hasOwn(MACROS, wanted.toUpperCase())
    ? MACROS[wanted.toUpperCase()]
    : undefined;
  // Only a real mailbox room (MAILBOX flag, the user's namespace) counts as the user's own.
  const own = (n: string) => user && !isMailboxForm(n) ? getMailbox(store, user.usernum, n) : null;
  if (macro) {
    const target = macro.config
      ? await readConfig(store, macro.config, macro.fallback)
      : macro.fallback;
    if (macro.personal) return await own(target) ?? await getRoom(store, target);
    return await getRoom(store, target);
  }
  return await getRoom(store, wanted) ?? await own(wanted);
}

/** The name clients see: the user's own mailbox rooms without the 10-digit prefix. */
export function displayRoomName(room: Room, user: User | null): string {
  if (user && mailboxOwner(room) === user.usernum) return stripMailboxPrefix(room.name);
  return room.name;
}

/**
 * Puts a session that just logged in into the base room, silently (no visit is written),
 * as Citadel's login does.
 */
export async function enterBaseRoom(s: Session): Promise<void> {
  s.room = await resolveRoom(s.server.store, s.user, "_BASEROOM_");
}

/**
 * The session's current room, re-read from the store (another session may have posted or
 * renamed it since GOTO). A logged-in session that has none yet gets the base room, so a
 * command works even if login did not enter it. Throws 520 when not logged in.
 */
export async function currentRoom(s: Session): Promise<Room> {
  s.requireUser();
  if (s.room) {
    const fresh = await getRoomByNumber(s.server.store, s.room.number, s.room.name);
    if (fresh) s.room = fresh;
  }
  if (!s.room) await enterBaseRoom(s);
  if (!s.room) throw new CtdlError(Code.ROOM_NOT_FOUND, "You are not in a room.");
  return s.room;
}

/** Reads a room by name, checking it is still the same room (by number). */
async function getRoomByNumber(store: Store, number: number, name: string): Promise<Room | null> {
  const room = await getRoom(store, name);
  return room && room.number === number ? room : null;
}

/** True when `user` may administer `room`: an Aide, or the room's own room aide. */
export function isRoomAide(user: User, room: Room): boolean {
  return user.axlevel >= AxLevel.AIDE || (room.roomaide >= 0 && room.roomaide === user.usernum);
}

/** The current room when the session's user may administer it; 550 with `refusal` otherwise. */
export async function roomAideRoom(
  s: Session,
  refusal = "This command requires Admin or Room Admin access.",
): Promise<Room> {
  const room = await currentRoom(s);
  if (!isRoomAide(s.requireUser(), room)) throw new CtdlError(Code.HIGHER_ACCESS_REQUIRED, refusal);
  return room;
}
