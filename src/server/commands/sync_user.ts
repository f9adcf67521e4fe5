/**
 * User-scoped SYNC: the actions any logged-in user may run over the rooms they can read
 * (`SYNC user|rooms`, `SYNC user|messages|<room>`, `SYNC user|since|<room>|<stamp>`).
 * The whole-table actions stay in sync.ts and stay Aide-only.
 */
import { Code, CtdlError } from "../../errors.ts";
import { readConfig } from "../../store/control.ts";
import { getRoom, listRooms, RoomFlag, View } from "../../store/rooms.ts";
import type { Change, Store } from "../../store/store.ts";
import type { Room, User } from "../../store/tables.ts";
import { AxLevel } from "../../store/users.ts";
import { displayRoomName, roomAccess, UA } from "../access.ts";
import type { Session } from "../session.ts";

/** What a room holds, from its default view; decides how a mirror stores it. */
export type RoomKind = "mail" | "contacts" | "calendar" | "tasks" | "notes" | "ordinary";

/** The room kind of a room's default view (VIEW_MAILBOX, VIEW_ADDRESSBOOK ...). */
export function roomKind(room: Room): RoomKind {
  switch (room.defaultview) {
    case View.MAILBOX:
      return "mail";
    case View.ADDRESSBOOK:
      return "contacts";
    case View.CALENDAR:
      return "calendar";
    case View.TASKS:
      return "tasks";
    case View.NOTES:
      return "notes";
    default:
      return "ordinary";
  }
}

/** The first word of a user-scoped SYNC command (`user`; not a table name). */
export function isUserSyncTarget(name: string | undefined): boolean {
  return name === "user";
}

/**
 * True when `user` may read `room` over SYNC: rooms Citadel lists for them (own mailboxes,
 * public rooms not zapped, private rooms they were given access to). Aides may also read
 * any room they may enter, other users' mailboxes included.
 */
export function maySync(user: User, ua: number): boolean {
  if (ua & UA.KNOWN) return true;
  return user.axlevel >= AxLevel.AIDE && (ua & UA.GOTOALLOWED) !== 0;
}

/** Writes a bulk reply of room messages; sync.ts owns the framing. */
export type BulkWriter = (
  s: Session,
  action: string,
  records: AsyncIterable<Change>,
  header: string[],
) => Promise<void>;

/**
 * Runs a user-scoped SYNC action. The access level is read from the current user record,
 * so a user demoted in another session loses rights at once.
 */
export async function runUserSync(s: Session, args: string[], bulk: BulkWriter): Promise<void> {
  const user = await s.refreshUser();
  const store = s.server.store;
  const [target, action, roomName, arg] = args;
  if (target === "user" && action === "rooms") {
    await listReadableRooms(s, user);
    return;
  }
  if (target !== "user" || (action !== "messages" && action !== "since")) {
    throw new CtdlError(
      Code.ILLEGAL_VALUE,
      "usage: SYNC user|rooms, SYNC user|messages|<room>, SYNC user|since|<room>|<stamp>",
    );
  }
  const room = await readableRoom(store, user, roomName ?? "");
  const { visit } = await roomAccess(store, user, room);
  const header = [`room=${room.name}`, `seen=${visit.seen}`];
  if (action === "messages") {
    await bulk(s, action, roomRecords(store, room), header);
    return;
  }
  if (!arg || !/^\d{1,16}$/.test(arg)) {
    throw new CtdlError(Code.ILLEGAL_VALUE, "since takes a stamp (a number)");
  }
  await bulk(s, action, roomChanges(store, room, Number(arg)), header);
}

/**
 * The room named `name` (its full name; own mailbox rooms also by their short name), if
 * `user` may read it. Otherwise 572, the same as for a room that does not exist, so the
 * reply does not tell which rooms exist.
 */
async function readableRoom(store: Store, user: User, name: string): Promise<Room> {
  const refused = new CtdlError(Code.ROOM_NOT_FOUND, `no room '${name}' you can read`);
  if (name === "") throw refused;
  const room = await getRoom(store, name);
  if (!room) throw refused;
  const { ua } = await roomAccess(store, user, room);
  if (!maySync(user, ua)) throw refused;
  return room;
}

/**
 * `SYNC user|rooms`: `100 <storeid>|<stamp>|<nodename>|<fqdn>`, then one line per room the
 * user can read: `name|display name|kind|room number|highest message|default view`.
 */
async function listReadableRooms(s: Session, user: User): Promise<void> {
  const store = s.server.store;
  const stamp = await store.stamp();
  const aideRoom = await readConfig(store, "c_aideroom", "Aide");
  const lines: string[] = [];
  for await (const room of listRooms(store)) {
    // Other users' mailboxes are never listed, not even for Aides (as in Citadel).
    const { ua } = await roomAccess(store, user, room, aideRoom);
    if ((ua & UA.KNOWN) === 0) continue;
    if ((room.flags & RoomFlag.MAILBOX) && !room.name.startsWith(ownPrefix(user))) continue;
    lines.push(
      [
        room.name,
        displayRoomName(room, user),
        roomKind(room),
        room.number,
        room.highest,
        room.defaultview,
      ].join("|"),
    );
  }
  const nodename = await readConfig(store, "c_nodename", "ctdlsync");
  const fqdn = await readConfig(store, "c_fqdn", "localhost");
  await s.listing(`${store.id}|${stamp}|${nodename}|${fqdn}`, lines);
}

function ownPrefix(user: User): string {
  return `${String(user.usernum).padStart(10, "0")}.`;
}

/** Every message of a room, in number order, as `[msgnum]` records of message bytes. */
async function* roomRecords(store: Store, room: Room): AsyncGenerator<Change> {
  const batch: Listed[] = [];
  for await (const rec of store.list("msglists", { prefix: [room.number] })) {
    batch.push({ msgnum: rec.key[1] as number, stamp: rec.stamp, live: true });
    if (batch.length >= READ_BATCH) yield* withMessages(store, batch.splice(0));
  }
  yield* withMessages(store, batch);
}

/**
 * What changed in a room's message list after `since`: added messages with their bytes,
 * removed ones as tombstones. Messages never change in place (an edit is a new message
 * that replaces the old one by EUID), so the list's log is the room's whole history.
 */
async function* roomChanges(store: Store, room: Room, since: number): AsyncGenerator<Change> {
  const batch: Listed[] = [];
  for await (const c of store.changes("msglists", since)) {
    if (c.key[0] !== room.number) continue;
    batch.push({ msgnum: c.key[1] as number, stamp: c.stamp, live: c.value !== null });
    if (batch.length >= READ_BATCH) yield* withMessages(store, batch.splice(0));
  }
  yield* withMessages(store, batch);
}

/** A message list entry: present (live) or a tombstone. */
interface Listed {
  msgnum: number;
  stamp: number;
  live: boolean;
}

/** How many messages are read from the store at once (the reads overlap). */
const READ_BATCH = 128;

/**
 * The records of a batch of list entries, the message bytes read concurrently; a
 * tombstone, or a listed message that is gone, is sent as a tombstone.
 */
async function* withMessages(store: Store, batch: Listed[]): AsyncGenerator<Change> {
  const values = await Promise.all(
    batch.map((l) => l.live ? store.get("messages", [l.msgnum]) : null),
  );
  for (let i = 0; i < batch.length; i++) {
    yield { key: [batch[i].msgnum], value: values[i], stamp: batch[i].stamp };
  }
}
