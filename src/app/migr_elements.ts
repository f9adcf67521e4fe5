/**
 * How each record element of a MIGR export is mapped into the store (citadel-protocol.md
 * §8.1): the state an import keeps while the document streams in, and one handler per
 * element name. `<config>` rows go to `config`, except the control counters (MMhighest,
 * MMnextuser, MMnextroom, MMflags) which go to `control`; `<user>`, `<room>`, `<floor>`,
 * `<visit>` map field by field (src/migr/fields.ts); `<room_messages>` become `msglists`
 * entries; `<message>` becomes the on-disk bytes in `messages` plus `msgmeta`, whose reference
 * count is derived from the room lists because 902 exports a stale 0.
 *
 * @module
 */

import { decodeBase64Lenient } from "../message/base64.ts";
import { messageEuid, messageTime } from "../message/euid.ts";
import { type CitadelMessage, parseMessage } from "../message/message.ts";
import {
  CONTROL_KEYS,
  floorFromMigr,
  messageFromMigr,
  roomFromMigr,
  userFromMigr,
  visitFromMigr,
} from "../migr/fields.ts";
import { quoteSnippet } from "../migr/snippet.ts";
import { MigrFormatError, type MigrRecord, readMigrRecords } from "../migr/xml_reader.ts";
import { configOp, type Counter, counterOp } from "../store/control.ts";
import { contentTypeOf, metaOp } from "../store/messages.ts";
import { floorOp, roomKey, roomOp } from "../store/rooms.ts";
import { TABLE_NAMES, type TableName, TABLES, type User } from "../store/tables.ts";
import type { Op } from "../store/types.ts";
import { FloorFlag } from "../schema/flags.ts";
import { userKey } from "../store/users.ts";
import type { ImportOptions, ImportReport } from "./import_report.ts";
import { PasswordHasher } from "./password_hasher.ts";
import type { EuidEntry } from "./migr_indexes.ts";

const EMPTY = new Uint8Array(0);
const MAX_WARNINGS = 50;

/**
 * The bytes of a `msg_text`: the built-in decoder (native, skips the CRLFs 902 puts every 68
 * characters) first, and the lenient one, which also reads what older Citadels wrote, when
 * the built-in one refuses. The two agree on everything the built-in one accepts.
 */
function decodeMessageText(text: string): Uint8Array {
  try {
    return Uint8Array.fromBase64(text);
  } catch {
    return decodeBase64Lenient(text);
  }
}

/**
 * Where an import's records go: the store's BatchWriter, or the batches an import worker
 * posts to the thread that owns the store (migr_worker.ts). `add` returns a promise only
 * when the caller must wait.
 */
export interface OpSink {
  add(op: Op): Promise<void> | undefined;
  flush(): Promise<void>;
}

/**
 * What an import learnt from the document that the end of the import needs (rebuilding
 * indexes, checking counts): plain data, so an import worker can post it.
 */
export interface ImportTally {
  report: ImportReport;
  refcounts: Map<number, number>;
  euids: Map<number, EuidEntry>;
  roomNumbers: Map<string, number>;
  userKeys: Set<string>;
  messages: Set<number>;
  configKeys: Set<string>;
  fqdn: string;
  listsAfterMessages: boolean;
  extraWarnings: number;
}

/** Keeps a warning (the first MAX_WARNINGS; the rest are only counted). */
export function warnInto(t: ImportTally, text: string): void {
  if (t.report.warnings.length < MAX_WARNINGS) t.report.warnings.push(text);
  else t.extraWarnings++;
}

/** What an import has written and seen so far, and the report it is filling in. */
export class ImportState implements ImportTally {
  readonly writer: OpSink;
  readonly opts: ImportOptions;
  readonly report: ImportReport;
  readonly refcounts = new Map<number, number>();
  readonly euids = new Map<number, EuidEntry>();
  readonly roomNumbers = new Map<string, number>();
  readonly userKeys = new Set<string>();
  readonly messages = new Set<number>();
  readonly configKeys = new Set<string>();
  readonly hasher: PasswordHasher;
  fqdn = "";
  records = 0;
  listsAfterMessages = false;
  extraWarnings = 0;

  constructor(writer: OpSink, opts: ImportOptions) {
    this.writer = writer;
    this.opts = opts;
    this.hasher = new PasswordHasher(opts.hashConcurrency, opts.hashPassword);
    this.report = {
      version: "",
      seconds: 0,
      passwordsHashed: 0,
      hashSeconds: 0,
      locked: 0,
      elements: {},
      tables: Object.fromEntries(TABLE_NAMES.map((t) => [t, 0])) as Record<TableName, number>,
      expected: {},
      unknown: {},
      warnings: [],
    };
  }

  /** Keeps a warning (the first MAX_WARNINGS; the rest are only counted). */
  warn(text: string): void {
    warnInto(this, text);
  }

  /** Counts `n` records of element `name`. */
  count(name: string, n = 1): void {
    this.report.elements[name] = (this.report.elements[name] ?? 0) + n;
  }

  /** Counts something the mapping does not know. */
  unknown(name: string): void {
    this.report.unknown[name] = (this.report.unknown[name] ?? 0) + 1;
  }

  /** Counts an unknown field or attribute of a known element. */
  readonly onUnknown = (name: string) => this.unknown(name);

  /** Writes a user record (its password hashed, when it was clear text). */
  async putUser(user: User): Promise<void> {
    await this.writer.add({
      table: "users",
      key: [userKey(user.fullname)],
      value: TABLES.users.codec.encode(user),
    });
  }

  /** The tally as plain data (what a worker posts). */
  tally(): ImportTally {
    return {
      report: this.report,
      refcounts: this.refcounts,
      euids: this.euids,
      roomNumbers: this.roomNumbers,
      userKeys: this.userKeys,
      messages: this.messages,
      configKeys: this.configKeys,
      fqdn: this.fqdn,
      listsAfterMessages: this.listsAfterMessages,
      extraWarnings: this.extraWarnings,
    };
  }
}

/**
 * Reads the whole document from `source` and maps every record into `st.writer`, then
 * writes the users whose hashes were still running and flushes: what is left is the end
 * of the import (indexes, counts), which needs the store.
 */
export async function importRecords(st: ImportState, source: AsyncIterable<string>) {
  for await (const rec of readMigrRecords(source)) await importRecord(st, rec);
  for (const u of await st.hasher.drain()) await st.putUser(u);
  await st.writer.flush();
  st.report.passwordsHashed = st.hasher.hashed;
  st.report.hashSeconds = st.hasher.seconds;
}

/** Handles one record: `<version>` and `<progress>` here, the rest by its element's handler. */
async function importRecord(st: ImportState, rec: MigrRecord): Promise<void> {
  st.records++;
  if (st.hasher.ready) { for (const u of st.hasher.take()) await st.putUser(u); }
  if (rec.name === "version") {
    st.report.version = rec.text.trim();
  } else if (rec.name === "progress") {
    const percent = Number(rec.text.trim());
    if (Number.isFinite(percent)) {
      st.opts.onProgress?.({ percent, records: st.records, line: rec.line });
    }
  } else if (Object.hasOwn(ELEMENT_HANDLERS, rec.name)) {
    await ELEMENT_HANDLERS[rec.name](st, rec);
  } else {
    st.unknown(`<${rec.name}>`);
  }
}

/** Maps one record element into the store. */
export type ElementHandler = (st: ImportState, rec: MigrRecord) => Promise<void>;

/** The handler of each record element, by element name. */
export const ELEMENT_HANDLERS: Readonly<Record<string, ElementHandler>> = {
  async config(st, rec) {
    const key = rec.attrs.key;
    if (key === undefined || key === "") {
      throw new MigrFormatError(rec.line, "config", "no key attribute");
    }
    for (const a of Object.keys(rec.attrs)) if (a !== "key") st.unknown(`config@${a}`);
    for (const f of rec.fields) st.unknown(`config.${f.name}`);
    st.count("config");
    if (st.configKeys.has(key)) {
      st.warn(`line ${rec.line}: config key ${quoteSnippet(key)} repeated`);
    }
    st.configKeys.add(key);
    if (key === "c_fqdn") st.fqdn = rec.text;
    if (CONTROL_KEYS.has(key)) {
      const t = rec.text.trim();
      if (!/^-?\d{1,16}$/.test(t)) {
        throw new MigrFormatError(
          rec.line,
          "config",
          `${key} ${quoteSnippet(t)} is not a whole number`,
        );
      }
      await st.writer.add(counterOp(key as Counter, Number(t)));
    } else {
      await st.writer.add(configOp(key, rec.text));
    }
  },

  async user(st, rec) {
    const { user, password: kind } = userFromMigr(rec, st.onUnknown);
    st.count("user");
    const key = userKey(user.fullname);
    if (st.userKeys.has(key)) {
      st.warn(`line ${rec.line}: user ${quoteSnippet(user.fullname)} repeats an earlier key`);
    }
    st.userKeys.add(key);
    if (kind === "locked") st.report.locked++;
    if (kind !== "clear") return await st.putUser(user);
    // Hashed on worker threads while the document goes on streaming; written when done.
    await st.hasher.submit(user);
  },

  async room(st, rec) {
    const room = roomFromMigr(rec, st.onUnknown);
    st.count("room");
    const key = roomKey(room.name);
    if (st.roomNumbers.has(key)) {
      st.warn(
        `line ${rec.line}: room ${quoteSnippet(room.name)} appears twice; the later is kept`,
      );
    }
    st.roomNumbers.set(key, room.number);
    await st.writer.add(roomOp(room));
  },

  async room_messages(st, rec) {
    let name: string | undefined;
    let list = "";
    for (const f of rec.fields) {
      if (f.name === "FRname") name = f.text;
      else if (f.name === "FRmsglist") list = f.text;
      else st.unknown(`room_messages.${f.name}`);
    }
    if (name === undefined) throw new MigrFormatError(rec.line, rec.name, "<FRname> is missing");
    st.count("room_messages");
    // 902 writes one number per line; older versions used commas.
    const nums = new Set<number>();
    for (const t of list.split(/[\s,]+/)) {
      if (t === "") continue;
      if (!/^\d{1,16}$/.test(t)) {
        throw new MigrFormatError(
          rec.line,
          "FRmsglist",
          `${quoteSnippet(t)} is not a message number`,
        );
      }
      nums.add(Number(t));
    }
    const roomnum = st.roomNumbers.get(roomKey(name));
    if (roomnum === undefined) {
      st.warn(
        `line ${rec.line}: message list of room ${quoteSnippet(name)}, not in the export: ` +
          `${nums.size} message pointers not imported`,
      );
      return;
    }
    if (st.messages.size > 0) st.listsAfterMessages = true;
    for (const n of nums) {
      await st.writer.add({ table: "msglists", key: [roomnum, n], value: EMPTY });
      st.refcounts.set(n, (st.refcounts.get(n) ?? 0) + 1);
    }
    st.count("message pointers", nums.size);
  },

  async floor(st, rec) {
    const [num, floor] = floorFromMigr(rec, st.onUnknown);
    st.count("floor");
    // Kept as is, but only F_INUSE means "in use": 902's housekeeper ORs a stray QR_INUSE (2)
    // into floor 0's flags.
    if (floor.flags & FloorFlag.INUSE) st.count("floors in use");
    await st.writer.add(floorOp(num, floor));
  },

  async visit(st, rec) {
    const [[roomnum, roomgen, usernum], visit] = visitFromMigr(rec, st.onUnknown);
    st.count("visit");
    await st.writer.add({
      table: "visits",
      key: [roomnum, roomgen, usernum],
      value: TABLES.visits.codec.encode(visit),
    });
  },

  async message(st, rec) {
    const m = messageFromMigr(rec, st.onUnknown);
    let bytes: Uint8Array;
    let msg: CitadelMessage;
    try {
      bytes = decodeMessageText(m.text);
    } catch (e) {
      throw new MigrFormatError(m.textLine, "msg_text", (e as Error).message);
    }
    try {
      msg = parseMessage(bytes, { view: true });
    } catch (e) {
      throw new MigrFormatError(
        m.textLine,
        "msg_text",
        `message ${m.msgnum} is not a Citadel message: ${(e as Error).message}`,
      );
    }
    if (m.mimetype) st.unknown("message.msg_mimetype (not empty)");
    const msgnum = m.msgnum;
    st.count("message");
    if (st.messages.has(msgnum)) {
      st.warn(`line ${rec.line}: message ${msgnum} appears twice; the later one is kept`);
    }
    st.messages.add(msgnum);
    const euid = messageEuid(msg);
    if (euid) st.euids.set(msgnum, { euid, time: messageTime(msg) });
    await st.writer.add({ table: "messages", key: [msgnum], value: bytes });
    await st.writer.add(metaOp(msgnum, {
      ...m.meta,
      // 902 exports a stale 0: the count comes from the room lists read so far.
      refcount: st.refcounts.get(msgnum) ?? 0,
      content_type: m.meta.content_type || contentTypeOf(msg),
      rfc822_length: m.meta.rfc822_length ?? bytes.length,
    }));
  },
};
