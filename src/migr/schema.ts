/**
 * Which MIGR element holds which store field, in the order Citadel 902 writes them
 * (citadel-protocol.md §8.1). Import and export both read these tables, so the two
 * directions cannot drift apart.
 *
 * @module
 */

import type { Floor, MessageMeta, Room, User, Visit } from "../store/tables.ts";

/** One child element of a record: its MIGR name, the store field, and the value type. */
export interface FieldSpec<T> {
  xml: string;
  field: keyof T & string;
  type: "int" | "string";
}

function spec<T>(rows: [string, keyof T & string, "int" | "string"][]): FieldSpec<T>[] {
  return rows.map(([xml, field, type]) => ({ xml, field, type }));
}

/** `<user>` children. 902 writes no e-mail addresses; later versions add `u_emailaddrs`. */
export const USER_FIELDS = spec<User>([
  ["u_version", "version", "int"],
  ["u_uid", "uid", "int"],
  ["u_password", "password", "string"],
  ["u_flags", "flags", "int"],
  ["u_timescalled", "timescalled", "int"],
  ["u_posted", "posted", "int"],
  ["u_axlevel", "axlevel", "int"],
  ["u_usernum", "usernum", "int"],
  ["u_lastcall", "lastcall", "int"],
  ["u_USuserpurge", "purgedays", "int"],
  ["u_fullname", "fullname", "string"],
  ["u_msgnum_bio", "msgnum_bio", "int"],
  ["u_msgnum_pic", "msgnum_pic", "int"],
  ["u_emailaddrs", "emailaddrs", "string"],
]);

/** `<room>` children. 902 writes `QRdirname` only for directory rooms. */
export const ROOM_FIELDS = spec<Room>([
  ["QRname", "name", "string"],
  ["QRpasswd", "password", "string"],
  ["QRroomaide", "roomaide", "int"],
  ["QRhighest", "highest", "int"],
  ["QRgen", "gen", "int"],
  ["QRflags", "flags", "int"],
  ["QRdirname", "dirname", "string"],
  ["QRfloor", "floor", "int"],
  ["QRmtime", "mtime", "int"],
  ["QRexpire_mode", "ep_mode", "int"],
  ["QRexpire_value", "ep_value", "int"],
  ["QRnumber", "number", "int"],
  ["QRorder", "order", "int"],
  ["QRflags2", "flags2", "int"],
  ["QRdefaultview", "defaultview", "int"],
  ["msgnum_info", "msgnum_info", "int"],
  ["msgnum_pic", "msgnum_pic", "int"],
]);

/** `<floor>` children; `f_num` is the key. */
export const FLOOR_FIELDS = spec<Floor & { num: number }>([
  ["f_num", "num", "int"],
  ["f_flags", "flags", "int"],
  ["f_name", "name", "string"],
  ["f_ref_count", "refcount", "int"],
  ["f_ep_expire_mode", "ep_mode", "int"],
  ["f_ep_expire_value", "ep_value", "int"],
]);

/** A visit with its key, as one MIGR `<visit>` carries it. */
export type VisitRow = Visit & { roomnum: number; roomgen: number; usernum: number };

/**
 * `<visit>` children. `v_seen` holds the seen set, or the plain number `v_lastseen` when the
 * set is empty; the importer splits them again (see import.ts). 902 has no `v_lastseen`
 * element: our export adds one only for a visit that has both, which 902 data never has.
 */
export const VISIT_FIELDS = spec<VisitRow>([
  ["v_roomnum", "roomnum", "int"],
  ["v_roomgen", "roomgen", "int"],
  ["v_usernum", "usernum", "int"],
  ["v_seen", "seen", "string"],
  ["v_answered", "answered", "string"],
  ["v_flags", "flags", "int"],
  ["v_view", "view", "int"],
  ["v_lastseen", "lastseen", "int"],
]);

/** A message with its metadata, as one MIGR `<message>` carries it. */
export type MessageRow = MessageMeta & { msgnum: number; mimetype: string; text: string };

/**
 * `<message>` children. `msg_text` is the base64 of the on-disk message; `msg_mimetype` is
 * always empty in 902.
 */
export const MESSAGE_FIELDS = spec<MessageRow>([
  ["msg_msgnum", "msgnum", "int"],
  ["msg_meta_refcount", "refcount", "int"],
  ["msg_meta_rfc822_length", "rfc822_length", "int"],
  ["msg_meta_content_type", "content_type", "string"],
  ["msg_mimetype", "mimetype", "string"],
  ["msg_text", "text", "string"],
]);

/** Config keys that are Citadel's control record (our `control` table); the rest are config. */
export const CONTROL_KEYS: ReadonlySet<string> = new Set([
  "MMhighest",
  "MMnextuser",
  "MMnextroom",
  "MMflags",
]);

/**
 * 902 writes native users' uid as (uid_t)-1, i.e. 4294967295; the store keeps -1 as Citadel's
 * struct does, and export turns it back.
 */
export const UID_NONE_EXPORTED = 4294967295;
