import { CtdlError } from "../errors.ts";
import { counterOp, readCounter } from "./control.ts";
import { type Op, type Reader, type Store } from "./store.ts";
import { type Floor, type Room, TABLES, type Visit } from "./tables.ts";
import { FloorFlag } from "../schema/flags.ts";
import { ROOM } from "../schema/records.ts";
import { withDefaults } from "../schema/record.ts";

export { FloorFlag, RoomFlag, RoomFlag2, View, VisitFlag } from "../schema/flags.ts";

/** Room names are case-insensitive: the key is the lower-cased name. */
export function roomKey(name: string): string {
  return name.toLowerCase();
}

/** A user's mailbox room name: the user number, zero-padded to 10 digits, a dot, the name. */
export function mailboxName(usernum: number, name: string): string {
  return `${String(usernum).padStart(10, "0")}.${name}`;
}

/** The name a mailbox room's owner sees: the name without the 10-digit owner prefix. */
export function stripMailboxPrefix(name: string): string {
  return name.replace(/^\d+\./, "");
}

/** Reads a room by (full) name. */
export async function getRoom(r: Reader | Store, name: string): Promise<Room | null> {
  const bytes = await r.get("rooms", [roomKey(name)]);
  return bytes ? TABLES.rooms.codec.decode(bytes) : null;
}

/** The op that stores a room. */
export function roomOp(room: Room): Op {
  return { table: "rooms", key: [roomKey(room.name)], value: TABLES.rooms.codec.encode(room) };
}

/** Lists every room in key order. */
export async function* listRooms(store: Store): AsyncGenerator<Room> {
  for await (const rec of store.list("rooms")) yield TABLES.rooms.codec.decode(rec.value);
}

/** A room record with Citadel's defaults (from the schema) for everything not given. */
export function newRoomRecord(fields: Partial<Room> & { name: string; number: number }): Room {
  return withDefaults(ROOM, fields);
}

/** Creates a room with the next room number; 574 if it exists, 512 for a bad name. */
export async function createRoom(
  store: Store,
  fields: Partial<Room> & { name: string },
): Promise<Room> {
  const name = fields.name.trim();
  if (name === "" || new TextEncoder().encode(name).length > 127 || name.includes("|")) {
    throw new CtdlError(512, `'${name}' is not a valid room name`);
  }
  let made: Room | undefined;
  await store.update(async (r) => {
    if (await getRoom(r, name)) throw new CtdlError(574, `'${name}' already exists.`);
    const number = (await readCounter(r, "MMnextroom")) + 1;
    made = newRoomRecord({ ...fields, name, number });
    const ops = [roomOp(made), counterOp("MMnextroom", number)];
    const floor = await getFloor(r, made.floor);
    if (floor) ops.push(floorOp(made.floor, { ...floor, refcount: floor.refcount + 1 }));
    return { ops };
  });
  return made!;
}

/** Reads a floor; floor 0 reads as "Main Floor" even when absent, as in Citadel. */
export async function getFloor(r: Reader | Store, num: number): Promise<Floor | null> {
  const bytes = await r.get("floors", [num]);
  if (bytes) return TABLES.floors.codec.decode(bytes);
  return num === 0
    ? { flags: FloorFlag.INUSE, name: "Main Floor", refcount: 0, ep_mode: 0, ep_value: 0 }
    : null;
}

/** The op that stores a floor. */
export function floorOp(num: number, floor: Floor): Op {
  return { table: "floors", key: [num], value: TABLES.floors.codec.encode(floor) };
}

/** Every floor record, with its number. */
export async function listFloors(store: Store): Promise<[number, Floor][]> {
  const out: [number, Floor][] = [];
  for await (const rec of store.list("floors")) {
    out.push([rec.key[0] as number, TABLES.floors.codec.decode(rec.value)]);
  }
  return out;
}

/**
 * Reads a user's visit to a room generation. An absent record means "never visited": all
 * zero except the view, which is the room's default, as Citadel's CtdlGetRelationship does.
 */
export async function getVisit(r: Reader | Store, room: Room, usernum: number): Promise<Visit> {
  const bytes = await r.get("visits", [room.number, room.gen, usernum]);
  if (bytes) return TABLES.visits.codec.decode(bytes);
  return { lastseen: 0, flags: 0, seen: "", answered: "", view: room.defaultview };
}

/** The op that stores a visit. */
export function visitOp(room: Room, usernum: number, visit: Visit): Op {
  return {
    table: "visits",
    key: [room.number, room.gen, usernum],
    value: TABLES.visits.codec.encode(visit),
  };
}

/** The message numbers of a room, ascending. */
export async function roomMessages(store: Store, roomnum: number): Promise<number[]> {
  const out: number[] = [];
  for await (const key of store.keys("msglists", [roomnum])) out.push(key[1] as number);
  return out;
}
