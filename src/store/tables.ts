import { bytesCodec, type Codec, emptyCodec, intCodec, jsonCodec, textCodec } from "./codec.ts";
import type { KeyPart } from "../wire/record_key.ts";

/** A user record: Citadel's `struct ctdluser`, with the password kept only as a salted hash. */
export interface User {
  version: number;
  uid: number;
  /** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>` of the normalised password, or "". */
  password: string;
  flags: number;
  timescalled: number;
  posted: number;
  axlevel: number;
  usernum: number;
  lastcall: number;
  purgedays: number;
  fullname: string;
  msgnum_bio: number;
  msgnum_pic: number;
  emailaddrs: string;
}

/** A room record: Citadel's `struct ctdlroom` (QR* fields), expire policy flattened. */
export interface Room {
  name: string;
  password: string;
  roomaide: number;
  highest: number;
  gen: number;
  flags: number;
  dirname: string;
  floor: number;
  mtime: number;
  ep_mode: number;
  ep_value: number;
  number: number;
  order: number;
  flags2: number;
  defaultview: number;
  msgnum_info: number;
  msgnum_pic: number;
}

/** A floor record: `struct floor`; the floor number is the key. */
export interface Floor {
  flags: number;
  name: string;
  refcount: number;
  ep_mode: number;
  ep_value: number;
}

/** A visit: what one user knows of one room generation (`struct visit`). */
export interface Visit {
  lastseen: number;
  flags: number;
  seen: string;
  answered: string;
  view: number;
}

/** Message metadata: `struct MetaData` minus the number, which is the key. */
export interface MessageMeta {
  refcount: number;
  content_type: string;
  rfc822_length: number;
}

/** A file in a directory room: its description and attributes; the bytes follow in the value. */
export interface RoomFileMeta {
  mimetype: string;
  description: string;
  mtime: number;
}

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

const userCodec = jsonCodec<User>({
  version: "int",
  uid: "int",
  password: "string",
  flags: "int",
  timescalled: "int",
  posted: "int",
  axlevel: "int",
  usernum: "int",
  lastcall: "int",
  purgedays: "int",
  fullname: "string",
  msgnum_bio: "int",
  msgnum_pic: "int",
  emailaddrs: "string",
});

const roomCodec = jsonCodec<Room>({
  name: "string",
  password: "string",
  roomaide: "int",
  highest: "int",
  gen: "int",
  flags: "int",
  dirname: "string",
  floor: "int",
  mtime: "int",
  ep_mode: "int",
  ep_value: "int",
  number: "int",
  order: "int",
  flags2: "int",
  defaultview: "int",
  msgnum_info: "int",
  msgnum_pic: "int",
});

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
    jsonCodec<Floor>({
      flags: "int",
      name: "string",
      refcount: "int",
      ep_mode: "int",
      ep_value: "int",
    }),
    "floors by number",
  ),
  rooms: table("rooms", ["string"], roomCodec, "rooms by lower-case name"),
  roominfo: table("roominfo", ["int"], textCodec, "room info banners by room number"),
  msglists: table("msglists", ["int", "int"], emptyCodec, "room number + message number"),
  visits: table(
    "visits",
    ["int", "int", "int"],
    jsonCodec<Visit>({
      lastseen: "int",
      flags: "int",
      seen: "string",
      answered: "string",
      view: "int",
    }),
    "room + generation + user to last seen, flags, seen set",
  ),
  messages: table("messages", ["int"], bytesCodec, "message base, Citadel on-disk format"),
  msgmeta: table(
    "msgmeta",
    ["int"],
    jsonCodec<MessageMeta>({ refcount: "int", content_type: "string", rfc822_length: "int" }),
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
export const roomFileMetaCodec = jsonCodec<RoomFileMeta>({
  mimetype: "string",
  description: "string",
  mtime: "int",
});
