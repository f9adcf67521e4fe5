/**
 * The structured record types of the store, each declared once (see record.ts): field,
 * type, Citadel MIGR element name (citadel-protocol.md §8.1) and default. The order is the
 * order of the stored bytes and of 902's MIGR elements.
 *
 * @module
 */

import { defineRecord } from "./record.ts";
import { AxLevel, RoomFlag, UserFlag } from "./flags.ts";

const now = () => Math.floor(Date.now() / 1000);

/** A user: Citadel's `struct ctdluser`, with the password kept only as a salted hash. */
export const USER = defineRecord("user", {
  version: { type: "int", migr: "u_version", default: 902 },
  uid: { type: "int", migr: "u_uid", default: -1 },
  /** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>` of the normalised password, or "". */
  password: { type: "string", migr: "u_password", default: "" },
  flags: {
    type: "int",
    migr: "u_flags",
    default: UserFlag.PAGINATOR | UserFlag.FLOORS | UserFlag.COLOR,
  },
  timescalled: { type: "int", migr: "u_timescalled", default: 0 },
  posted: { type: "int", migr: "u_posted", default: 0 },
  axlevel: { type: "int", migr: "u_axlevel", default: AxLevel.NETWORK },
  usernum: { type: "int", migr: "u_usernum", default: 0 },
  lastcall: { type: "int", migr: "u_lastcall", default: 0 },
  purgedays: { type: "int", migr: "u_USuserpurge", default: 0 },
  fullname: { type: "string", migr: "u_fullname", default: "" },
  msgnum_bio: { type: "int", migr: "u_msgnum_bio", default: 0 },
  msgnum_pic: { type: "int", migr: "u_msgnum_pic", default: 0 },
  /** 902 writes no e-mail addresses; later versions add `u_emailaddrs`. */
  emailaddrs: { type: "string", migr: "u_emailaddrs", default: "" },
});

/** A room: Citadel's `struct ctdlroom` (QR* fields), expire policy flattened. */
export const ROOM = defineRecord("room", {
  name: { type: "string", migr: "QRname", default: "" },
  password: { type: "string", migr: "QRpasswd", default: "" },
  roomaide: { type: "int", migr: "QRroomaide", default: -1 },
  highest: { type: "int", migr: "QRhighest", default: 0 },
  gen: { type: "int", migr: "QRgen", default: now },
  flags: { type: "int", migr: "QRflags", default: RoomFlag.INUSE },
  /** 902 writes `QRdirname` only for directory rooms. */
  dirname: { type: "string", migr: "QRdirname", default: "" },
  floor: { type: "int", migr: "QRfloor", default: 0 },
  mtime: { type: "int", migr: "QRmtime", default: now },
  ep_mode: { type: "int", migr: "QRexpire_mode", default: 0 },
  ep_value: { type: "int", migr: "QRexpire_value", default: 0 },
  number: { type: "int", migr: "QRnumber", default: 0 },
  order: { type: "int", migr: "QRorder", default: 64 },
  flags2: { type: "int", migr: "QRflags2", default: 0 },
  defaultview: { type: "int", migr: "QRdefaultview", default: 0 },
  msgnum_info: { type: "int", migr: "msgnum_info", default: 0 },
  msgnum_pic: { type: "int", migr: "msgnum_pic", default: 0 },
});

/** A floor: `struct floor`; the floor number is the key (`f_num` in MIGR). */
export const FLOOR = defineRecord("floor", {
  flags: { type: "int", migr: "f_flags", default: 0 },
  name: { type: "string", migr: "f_name", default: "" },
  refcount: { type: "int", migr: "f_ref_count", default: 0 },
  ep_mode: { type: "int", migr: "f_ep_expire_mode", default: 0 },
  ep_value: { type: "int", migr: "f_ep_expire_value", default: 0 },
});

/**
 * A visit: what one user knows of one room generation (`struct visit`); room, generation
 * and user are the key. In MIGR, `v_seen` holds the seen set or, when that is empty, the
 * plain number `v_lastseen` (see migr/fields.ts).
 */
export const VISIT = defineRecord("visit", {
  lastseen: { type: "int", migr: "v_lastseen", default: 0 },
  flags: { type: "int", migr: "v_flags", default: 0 },
  seen: { type: "string", migr: "v_seen", default: "" },
  answered: { type: "string", migr: "v_answered", default: "" },
  view: { type: "int", migr: "v_view", default: 0 },
});

/** Message metadata: `struct MetaData` minus the number, which is the key. */
export const MESSAGE_META = defineRecord("msgmeta", {
  refcount: { type: "int", migr: "msg_meta_refcount", default: 0 },
  content_type: { type: "string", migr: "msg_meta_content_type", default: "" },
  rfc822_length: { type: "int", migr: "msg_meta_rfc822_length", default: 0 },
});

/** A file in a directory room: its description and attributes (not in MIGR). */
export const ROOM_FILE_META = defineRecord("roomfile", {
  mimetype: { type: "string", default: "" },
  description: { type: "string", default: "" },
  mtime: { type: "int", default: 0 },
});

/** The TypeScript type of a schema's records. */
export type RecordType<S> = S extends { _type?: infer T } ? NonNullable<T> : never;

/** A user record. */
export type User = RecordType<typeof USER>;
/** A room record. */
export type Room = RecordType<typeof ROOM>;
/** A floor record. */
export type Floor = RecordType<typeof FLOOR>;
/** A visit record. */
export type Visit = RecordType<typeof VISIT>;
/** A message's metadata record. */
export type MessageMeta = RecordType<typeof MESSAGE_META>;
/** A room file's metadata. */
export type RoomFileMeta = RecordType<typeof ROOM_FILE_META>;
