/**
 * Which MIGR element holds which record field, derived from the record schemas in
 * src/schema/ (each field's `migr` name), plus the few places where 902's document differs
 * from the record: key elements (`f_num`, `v_roomnum` ...), the `(uid_t)-1` uid, `v_seen`
 * holding `v_lastseen`, and the elements 902 leaves out. Import and export both use these
 * functions, so the two directions cannot drift apart. Pure: no store, no I/O.
 *
 * @module
 */

import { RoomFlag } from "../schema/flags.ts";
import { type NamedField, type RecordSchema, withDefaults } from "../schema/record.ts";
import {
  FLOOR,
  type Floor,
  MESSAGE_META,
  type MessageMeta,
  ROOM,
  type Room,
  USER,
  type User,
  VISIT,
  type Visit,
} from "../schema/records.ts";
import { escapeXml } from "./xml_escape.ts";
import { type MigrField, MigrFormatError, type MigrRecord } from "./xml_reader.ts";
import { quoteSnippet } from "./snippet.ts";

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

/** Called with `record.child` or `record@attr` for each thing the mapping does not know. */
export type OnUnknown = (name: string) => void;

/** An element that is not a schema field: a record's key in MIGR. */
interface KeyElement {
  xml: string;
  type: "int" | "string";
}

const INT = /^-?\d{1,16}$/;

function intOf(f: MigrField): number {
  const t = f.text.trim();
  const n = Number(t);
  if (!INT.test(t) || !Number.isSafeInteger(n)) {
    throw new MigrFormatError(f.line, f.name, `${quoteSnippet(t)} is not a whole number`);
  }
  return n;
}

const NO_KEYS: KeyElement[] = [];
interface Elements {
  /** The schema's field count and last field when built: `extendSchema` appends fields. */
  n: number;
  last: NamedField | undefined;
  byXml: Map<string, NamedField | KeyElement>;
}
/** Per schema and key list (module constants), the spec of each child element by its name. */
const ELEMENTS = new WeakMap<object, WeakMap<KeyElement[], Elements>>();

/**
 * The children a record of `schema` with `keys` may have: built once, not once per record
 * of thousands, and again only when the schema's fields changed.
 */
function elementsOf<T extends object>(
  schema: RecordSchema<T>,
  keys: KeyElement[],
): Map<string, NamedField | KeyElement> {
  let bySchema = ELEMENTS.get(schema);
  if (!bySchema) ELEMENTS.set(schema, bySchema = new WeakMap());
  const n = schema.fields.length;
  const last = schema.fields[n - 1];
  let e = bySchema.get(keys);
  if (!e || e.n !== n || e.last !== last) {
    e = { n, last, byXml: new Map() };
    for (const f of schema.fields) if (f.migr) e.byXml.set(f.migr, f);
    for (const k of keys) e.byXml.set(k.xml, k);
    bySchema.set(keys, e);
  }
  return e.byXml;
}

/**
 * Reads a record's children: schema fields by their MIGR names, and `keys` elements. Returns
 * what was given (by field name, and by key element name); unknown children and attributes
 * go to `onUnknown`; a missing `required` element or stray text is an error.
 */
export function readRecord<T extends object>(
  rec: MigrRecord,
  schema: RecordSchema<T>,
  opts: { keys?: KeyElement[]; required: string[]; onUnknown: OnUnknown },
): { given: Partial<T>; keys: Record<string, number | string> } {
  const byXml = elementsOf(schema, opts.keys ?? NO_KEYS);
  const given: Record<string, number | string> = {};
  const keys: Record<string, number | string> = {};
  const seen = new Set<string>();
  for (const f of rec.fields) {
    const spec = byXml.get(f.name);
    if (!spec) {
      opts.onUnknown(`${rec.name}.${f.name}`);
      continue;
    }
    seen.add(f.name);
    const value = spec.type === "string" ? f.text : intOf(f);
    if ("xml" in spec) keys[spec.xml] = value;
    else given[spec.name] = value;
  }
  for (const r of opts.required) {
    if (!seen.has(r)) throw new MigrFormatError(rec.line, rec.name, `<${r}> is missing`);
  }
  if (/\S/.test(rec.text)) {
    throw new MigrFormatError(rec.line, rec.name, `unexpected text ${quoteSnippet(rec.text)}`);
  }
  for (const a of Object.keys(rec.attrs)) opts.onUnknown(`${rec.name}@${a}`);
  return { given: given as Partial<T>, keys };
}

/** One element with its text escaped. */
export function el(name: string, value: string | number): string {
  return `<${name}>${typeof value === "number" ? value : escapeXml(value)}</${name}>\n`;
}

/** A record's schema fields as elements, in schema order, skipping those `omit` says. */
function fieldsXml<T extends object>(
  schema: RecordSchema<T>,
  value: T,
  omit: (field: string, value: T) => boolean = () => false,
  map: (field: string, v: number | string) => number | string = (_, v) => v,
  after: (field: string) => string = () => "",
): string {
  const row = value as Record<string, number | string>;
  let out = "";
  for (const f of schema.fields) {
    if (!f.migr || omit(f.name, value)) continue;
    out += el(f.migr, map(f.name, row[f.name])) + after(f.name);
  }
  return out;
}

/**
 * A stored password hash of ours: `pbkdf2-sha256$<iterations>$<salt>$<hash>`. Citadel
 * passwords are at most 31 bytes, so a longer string of this shape is never a clear password.
 */
export const OWN_HASH = /^pbkdf2-sha256\$\d{1,9}\$[A-Za-z0-9+/=]{4,}\$[A-Za-z0-9+/=]{4,}$/;

/**
 * The `u_password` our exports write for an account whose password is not given: 144 random
 * bits, recorded nowhere, 31 bytes (all of it kept by 902). A Citadel importing the file gets
 * an account nobody can open until an Aide sets a password; our importer recognises the
 * shape and stores a password that matches nothing.
 */
export const LOCKED_PASSWORD = /^locked-[A-Za-z0-9_-]{24}$/;

/** A fresh unguessable locked value (see {@link LOCKED_PASSWORD}). */
export function lockedPassword(): string {
  return "locked-" + crypto.getRandomValues(new Uint8Array(18)).toBase64({ alphabet: "base64url" });
}

/** What a user record stores for a locked account: not a hash, so no password matches it. */
export const LOCKED_STORED = "!locked";

/**
 * Where our wire `MIGR export` carries the stored password (hash, locked or empty), so a
 * ctdlsync pulling from ctdlsync keeps every login as it was. Citadel's importer skips elements it does not know, so a real Citadel
 * never sees it as a password.
 */
export const CARRIED_HASH = "u_ctdlsync_password";

/** True for what a user record may store as its password: a hash of ours, locked, or none. */
export function isStoredPassword(value: string): boolean {
  return value === "" || value === LOCKED_STORED || OWN_HASH.test(value);
}

/** How a `<user>`'s password arrived: clear text to hash, one of our hashes, locked, none. */
export type PasswordKind = "clear" | "hash" | "locked" | "none";

/** A `<user>` element as a user record (schema defaults for what it lacks). */
export function userFromMigr(
  rec: MigrRecord,
  onUnknown: OnUnknown,
): { user: User; password: PasswordKind } {
  const { given, keys } = readRecord(rec, USER, {
    keys: [{ xml: CARRIED_HASH, type: "string" }],
    required: ["u_usernum", "u_fullname"],
    onUnknown,
  });
  if (given.uid === UID_NONE_EXPORTED) given.uid = -1;
  const user = withDefaults(USER, given);
  const carried = keys[CARRIED_HASH] as string | undefined;
  if (carried !== undefined && isStoredPassword(carried)) {
    return { user: { ...user, password: carried }, password: carried === "" ? "none" : "hash" };
  }
  if (OWN_HASH.test(user.password)) return { user, password: "hash" };
  if (LOCKED_PASSWORD.test(user.password)) {
    return { user: { ...user, password: LOCKED_STORED }, password: "locked" };
  }
  return { user, password: user.password === "" ? "none" : "clear" };
}

/**
 * A user as 902's `<user>`: no `u_emailaddrs` when there are none, uid -1 as 4294967295.
 * `password` is what goes into `u_password` (never the stored hash); `carriedHash`, when
 * given, goes into {@link CARRIED_HASH} right after it.
 */
export function userToMigr(u: User, password: string, carriedHash?: string): string {
  return "<user>\n" + fieldsXml(
    USER,
    u,
    (f) => f === "emailaddrs" && u.emailaddrs === "",
    (f, v) => f === "uid" && v === -1 ? UID_NONE_EXPORTED : f === "password" ? password : v,
    (f) => f === "password" && carriedHash !== undefined ? el(CARRIED_HASH, carriedHash) : "",
  ) + "</user>\n";
}

/** A `<room>` element as a room record. */
export function roomFromMigr(rec: MigrRecord, onUnknown: OnUnknown): Room {
  const { given } = readRecord(rec, ROOM, { required: ["QRname", "QRnumber"], onUnknown });
  return withDefaults(ROOM, given);
}

/** A room as 902's `<room>`: `QRdirname` only for directory rooms (or when set). */
export function roomToMigr(r: Room): string {
  const omit = (f: string) =>
    f === "dirname" && !(r.flags & RoomFlag.DIRECTORY) && r.dirname === "";
  return "<room>\n" + fieldsXml(ROOM, r, omit) + "</room>\n";
}

/** A `<floor>` element as its number and floor record. */
export function floorFromMigr(rec: MigrRecord, onUnknown: OnUnknown): [number, Floor] {
  const keys = [{ xml: "f_num", type: "int" as const }];
  const r = readRecord(rec, FLOOR, { keys, required: ["f_num"], onUnknown });
  return [r.keys.f_num as number, withDefaults(FLOOR, r.given)];
}

/** A floor as 902's `<floor>`, its number first. */
export function floorToMigr(num: number, f: Floor): string {
  return "<floor>\n" + el("f_num", num) + fieldsXml(FLOOR, f) + "</floor>\n";
}

/** A visit's key: room number, room generation, user number. */
export type VisitKey = [number, number, number];

const VISIT_KEYS = ["v_roomnum", "v_roomgen", "v_usernum"].map((xml) => ({
  xml,
  type: "int" as const,
}));

/**
 * A `<visit>` element as its key and visit. 902 writes the seen set in `v_seen`, or the
 * plain number `v_lastseen` when the set is empty; this splits them again.
 */
export function visitFromMigr(rec: MigrRecord, onUnknown: OnUnknown): [VisitKey, Visit] {
  const r = readRecord(rec, VISIT, {
    keys: VISIT_KEYS,
    required: VISIT_KEYS.map((k) => k.xml),
    onUnknown,
  });
  const seen = r.given.seen ?? "";
  const plain = /^\s*\d+\s*$/.test(seen);
  const visit = withDefaults(VISIT, {
    ...r.given,
    lastseen: r.given.lastseen ?? (plain ? Number(seen) : 0),
    seen: plain ? "" : seen,
  });
  const key = VISIT_KEYS.map((k) => r.keys[k.xml] as number) as VisitKey;
  return [key, visit];
}

/**
 * A visit as 902's `<visit>`: seen (or lastseen), answered (only when set) and flags on one
 * line. A visit with both a seen set and a lastseen (native ctdlsync data, never 902's) also
 * gets a `<v_lastseen>`; fields 902 does not have come after.
 */
export function visitToMigr(key: VisitKey, v: Visit): string {
  const seen = v.seen !== "" ? v.seen : String(v.lastseen);
  const core = new Set(["lastseen", "seen", "answered", "flags", "view"]);
  return "<visit>\n" + el("v_roomnum", key[0]) + el("v_roomgen", key[1]) +
    el("v_usernum", key[2]) +
    `<v_seen>${escapeXml(seen)}</v_seen>` +
    (v.answered !== "" ? `<v_answered>${escapeXml(v.answered)}</v_answered>` : "") +
    `<v_flags>${v.flags}</v_flags>\n` + el("v_view", v.view) +
    (v.seen !== "" && v.lastseen !== 0 ? el("v_lastseen", v.lastseen) : "") +
    fieldsXml(VISIT, v, (f) => core.has(f)) + "</visit>\n";
}

/** What a `<message>` element holds: number, metadata given, base64 text and mimetype. */
export interface MigrMessage {
  msgnum: number;
  meta: Partial<MessageMeta>;
  /** The base64 of the on-disk message, and the line of its element. */
  text: string;
  textLine: number;
  /** Always empty in 902. */
  mimetype: string;
}

const MESSAGE_KEYS = [
  { xml: "msg_msgnum", type: "int" as const },
  { xml: "msg_mimetype", type: "string" as const },
  { xml: "msg_text", type: "string" as const },
];

/** A `<message>` element's parts. */
export function messageFromMigr(rec: MigrRecord, onUnknown: OnUnknown): MigrMessage {
  const r = readRecord(rec, MESSAGE_META, {
    keys: MESSAGE_KEYS,
    required: ["msg_msgnum", "msg_text"],
    onUnknown,
  });
  return {
    msgnum: r.keys.msg_msgnum as number,
    meta: r.given,
    text: r.keys.msg_text as string,
    textLine: rec.fields.find((f) => f.name === "msg_text")!.line,
    mimetype: (r.keys.msg_mimetype as string | undefined) ?? "",
  };
}

/** A message as 902's `<message>`; `base64` is the on-disk bytes in Citadel's base64. */
export function messageToMigr(msgnum: number, meta: MessageMeta, base64: string): string {
  // 902's order: refcount, rfc822 length, content type.
  return "<message>\n" + el("msg_msgnum", msgnum) +
    el("msg_meta_refcount", meta.refcount) +
    el("msg_meta_rfc822_length", meta.rfc822_length) +
    el("msg_meta_content_type", meta.content_type) +
    fieldsXml(MESSAGE_META, meta, (f) => !MESSAGE_META.byName.get(f)?.added) +
    el("msg_mimetype", "") + `<msg_text>${base64}</msg_text>\n</message>\n`;
}
