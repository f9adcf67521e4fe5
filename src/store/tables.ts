import { bytesCodec, type Codec, emptyCodec, intCodec, schemaCodec, textCodec } from "./codec.ts";
import { FLOOR, MESSAGE_META, ROOM, ROOM_FILE_META, USER, VISIT } from "../schema/records.ts";
import type { KeyPart } from "../wire/record_key.ts";

export type { Floor, MessageMeta, Room, RoomFileMeta, User, Visit } from "../schema/records.ts";

/** How one table's keys look: the type of each key part, in order. */
export type KeyShape = readonly ("string" | "int")[];

/** A table of the store: name, key shape and value codec. */
export interface TableDef<T = unknown> {
  readonly name: string;
  readonly key: KeyShape;
  readonly codec: Codec<T>;
  /** What it is, in Citadel's words (for `stats` and docs). */
  readonly about: string;
}

function table<T>(name: string, key: KeyShape, codec: Codec<T>, about: string): TableDef<T> {
  return { name, key, codec, about };
}

const userCodec = schemaCodec(USER);
const roomCodec = schemaCodec(ROOM);

/**
 * Every table, in the order sync visits them. Indexes Citadel keeps as tables of their own
 * (users by number, EUID index, directory) are tables here too, so a duplicate gets them
 * byte for byte instead of rebuilding them.
 */
export const TABLES = {
  config: table("config", ["string"], textCodec, "site configuration (c_* keys)"),
  control: table("control", ["string"], intCodec, "control record (MMhighest, MMnextuser ...)"),
  users: table("users", ["string"], userCodec, "users by canonical name"),
  usersbynumber: table("usersbynumber", ["int"], textCodec, "user number to user name"),
  floors: table(
    "floors",
    ["int"],
    schemaCodec(FLOOR),
    "floors by number",
  ),
  rooms: table("rooms", ["string"], roomCodec, "rooms by lower-case name"),
  roominfo: table("roominfo", ["int"], textCodec, "room info banners by room number"),
  msglists: table("msglists", ["int", "int"], emptyCodec, "room number + message number"),
  visits: table(
    "visits",
    ["int", "int", "int"],
    schemaCodec(VISIT),
    "room + generation + user to last seen, flags, seen set",
  ),
  messages: table("messages", ["int"], bytesCodec, "message base, Citadel on-disk format"),
  msgmeta: table(
    "msgmeta",
    ["int"],
    schemaCodec(MESSAGE_META),
    "message metadata",
  ),
  euidindex: table("euidindex", ["int", "string"], intCodec, "room + EUID to message number"),
  usetable: table("usetable", ["string"], intCodec, "use table: message id to time seen"),
  directory: table("directory", ["string"], textCodec, "internet address to user name"),
  sysmsgs: table("sysmsgs", ["string"], bytesCodec, "system messages (hello, goodbye ...)"),
  roomfiles: table(
    "roomfiles",
    ["string", "string"],
    bytesCodec,
    "files of directory rooms: dirname + filename",
  ),
} as const;

/** A table's name. */
export type TableName = keyof typeof TABLES;

/** All table names, in sync order. */
export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

/** True when `name` names a table. */
export function isTableName(name: string): name is TableName {
  return Object.hasOwn(TABLES, name);
}

/** Checks a key against its table's shape; returns a reason when it does not fit. */
export function keyProblem(def: TableDef, key: readonly KeyPart[]): string | undefined {
  if (key.length !== def.key.length) {
    return `table ${def.name} takes ${def.key.length}-part keys, got ${key.length}`;
  }
  for (let i = 0; i < key.length; i++) {
    const want = def.key[i];
    const part = key[i];
    const ok = want === "string" ? typeof part === "string" : Number.isSafeInteger(part);
    if (!ok) return `key part ${i} of table ${def.name} must be ${want}`;
  }
  return undefined;
}

/** The metadata part of a room file record (see `room_files.ts` for the envelope). */
export const roomFileMetaCodec = schemaCodec(ROOM_FILE_META);
