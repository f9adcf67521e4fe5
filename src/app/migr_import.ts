/**
 * `ctdlsync import --migr FILE`: loads a Citadel MIGR export (as 902 writes it) into a store,
 * record by record as the document streams in, then rebuilds the indexes Citadel derives.
 *
 * Mapping (citadel-protocol.md §8.1): `<config>` rows go to `config`, except the control
 * counters (MMhighest, MMnextuser, MMnextroom, MMflags) which go to `control`; `<user>`,
 * `<room>`, `<floor>`, `<visit>` map field by field (see src/migr/fields.ts, derived from src/schema/records.ts); `<room_messages>` become
 * `msglists` entries; `<message>` becomes the on-disk bytes in `messages` plus `msgmeta`, whose
 * reference count is derived from the room lists because 902 exports a stale 0.
 *
 * @module
 */

import { CtdlError } from "../errors.ts";
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
import type { Store } from "../store/store.ts";
import { TABLE_NAMES, type TableName, TABLES, type User } from "../store/tables.ts";
import { FloorFlag } from "../schema/flags.ts";
import { userKey } from "../store/users.ts";
import type { ImportOptions, ImportReport } from "./import_report.ts";
import { PasswordHasher } from "./password_hasher.ts";
import { type EuidEntry, fixRefcounts, rebuildIndexes } from "./migr_indexes.ts";
import { BatchWriter } from "../store/batch_writer.ts";
import { replaceStore } from "./staging.ts";

export type { ImportOptions, ImportProgress, ImportReport } from "./import_report.ts";

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

class MigrImporter {
  readonly store: Store;
  readonly writer: BatchWriter;
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

  constructor(store: Store, opts: ImportOptions) {
    this.store = store;
    this.writer = new BatchWriter(store);
    this.opts = opts;
    this.hasher = new PasswordHasher(opts.hashConcurrency);
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

  warn(text: string): void {
    if (this.report.warnings.length < MAX_WARNINGS) this.report.warnings.push(text);
    else this.extraWarnings++;
  }

  count(name: string, n = 1): void {
    this.report.elements[name] = (this.report.elements[name] ?? 0) + n;
  }

  unknown(name: string): void {
    this.report.unknown[name] = (this.report.unknown[name] ?? 0) + 1;
  }

  readonly onUnknown = (name: string) => this.unknown(name);

  async record(rec: MigrRecord): Promise<void> {
    this.records++;
    if (this.hasher.ready) { for (const u of this.hasher.take()) await this.putUser(u); }

    switch (rec.name) {
      case "version":
        this.report.version = rec.text.trim();
        return;
      case "progress": {
        const percent = Number(rec.text.trim());
        if (Number.isFinite(percent)) {
          this.opts.onProgress?.({ percent, records: this.records, line: rec.line });
        }
        return;
      }
      case "config":
        return await this.config(rec);
      case "user":
        return await this.user(rec);
      case "room":
        return await this.room(rec);
      case "room_messages":
        return await this.roomMessages(rec);
      case "floor":
        return await this.floor(rec);
      case "visit":
        return await this.visit(rec);
      case "message":
        return await this.message(rec);
      default:
        this.unknown(`<${rec.name}>`);
    }
  }

  async config(rec: MigrRecord): Promise<void> {
    const key = rec.attrs.key;
    if (key === undefined || key === "") {
      throw new MigrFormatError(rec.line, "config", "no key attribute");
    }
    for (const a of Object.keys(rec.attrs)) if (a !== "key") this.unknown(`config@${a}`);
    for (const f of rec.fields) this.unknown(`config.${f.name}`);
    this.count("config");
    if (this.configKeys.has(key)) {
      this.warn(`line ${rec.line}: config key ${quoteSnippet(key)} repeated`);
    }
    this.configKeys.add(key);
    if (key === "c_fqdn") this.fqdn = rec.text;
    if (CONTROL_KEYS.has(key)) {
      const t = rec.text.trim();
      if (!/^-?\d{1,16}$/.test(t)) {
        throw new MigrFormatError(
          rec.line,
          "config",
          `${key} ${quoteSnippet(t)} is not a whole number`,
        );
      }
      await this.writer.add(counterOp(key as Counter, Number(t)));
    } else {
      await this.writer.add(configOp(key, rec.text));
    }
  }

  async user(rec: MigrRecord): Promise<void> {
    const { user, password: kind } = userFromMigr(rec, this.onUnknown);
    this.count("user");
    const key = userKey(user.fullname);
    if (this.userKeys.has(key)) {
      this.warn(`line ${rec.line}: user ${quoteSnippet(user.fullname)} repeats an earlier key`);
    }
    this.userKeys.add(key);
    if (kind === "locked") this.report.locked++;
    if (kind !== "clear") return await this.putUser(user);
    // Hashed on worker threads while the document goes on streaming; written when done.
    await this.hasher.submit(user);
  }

  async putUser(user: User): Promise<void> {
    await this.writer.add({
      table: "users",
      key: [userKey(user.fullname)],
      value: TABLES.users.codec.encode(user),
    });
  }

  async room(rec: MigrRecord): Promise<void> {
    const room = roomFromMigr(rec, this.onUnknown);
    this.count("room");
    const key = roomKey(room.name);
    if (this.roomNumbers.has(key)) {
      this.warn(
        `line ${rec.line}: room ${quoteSnippet(room.name)} appears twice; the later is kept`,
      );
    }
    this.roomNumbers.set(key, room.number);
    await this.writer.add(roomOp(room));
  }

  async roomMessages(rec: MigrRecord): Promise<void> {
    let name: string | undefined;
    let list = "";
    for (const f of rec.fields) {
      if (f.name === "FRname") name = f.text;
      else if (f.name === "FRmsglist") list = f.text;
      else this.unknown(`room_messages.${f.name}`);
    }
    if (name === undefined) throw new MigrFormatError(rec.line, rec.name, "<FRname> is missing");
    this.count("room_messages");
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
    const roomnum = this.roomNumbers.get(roomKey(name));
    if (roomnum === undefined) {
      this.warn(
        `line ${rec.line}: message list of room ${quoteSnippet(name)}, not in the export: ` +
          `${nums.size} message pointers not imported`,
      );
      return;
    }
    if (this.messages.size > 0) this.listsAfterMessages = true;
    for (const n of nums) {
      await this.writer.add({ table: "msglists", key: [roomnum, n], value: EMPTY });
      this.refcounts.set(n, (this.refcounts.get(n) ?? 0) + 1);
    }
    this.count("message pointers", nums.size);
  }

  async floor(rec: MigrRecord): Promise<void> {
    const [num, floor] = floorFromMigr(rec, this.onUnknown);
    this.count("floor");
    // Kept as is, but only F_INUSE means "in use": 902's housekeeper ORs a stray QR_INUSE (2)
    // into floor 0's flags.
    if (floor.flags & FloorFlag.INUSE) this.count("floors in use");
    await this.writer.add(floorOp(num, floor));
  }

  async visit(rec: MigrRecord): Promise<void> {
    const [[roomnum, roomgen, usernum], visit] = visitFromMigr(rec, this.onUnknown);
    this.count("visit");
    await this.writer.add({
      table: "visits",
      key: [roomnum, roomgen, usernum],
      value: TABLES.visits.codec.encode(visit),
    });
  }

  async message(rec: MigrRecord): Promise<void> {
    const m = messageFromMigr(rec, this.onUnknown);
    let bytes: Uint8Array;
    let msg: CitadelMessage;
    try {
      bytes = decodeMessageText(m.text);
    } catch (e) {
      throw new MigrFormatError(m.textLine, "msg_text", (e as Error).message);
    }
    try {
      msg = parseMessage(bytes);
    } catch (e) {
      throw new MigrFormatError(
        m.textLine,
        "msg_text",
        `message ${m.msgnum} is not a Citadel message: ${(e as Error).message}`,
      );
    }
    if (m.mimetype) this.unknown("message.msg_mimetype (not empty)");
    const msgnum = m.msgnum;
    this.count("message");
    if (this.messages.has(msgnum)) {
      this.warn(`line ${rec.line}: message ${msgnum} appears twice; the later one is kept`);
    }
    this.messages.add(msgnum);
    const euid = messageEuid(msg);
    if (euid) this.euids.set(msgnum, { euid, time: messageTime(msg) });
    await this.writer.add({ table: "messages", key: [msgnum], value: bytes });
    await this.writer.add(metaOp(msgnum, {
      ...m.meta,
      // 902 exports a stale 0: the count comes from the room lists read so far.
      refcount: this.refcounts.get(msgnum) ?? 0,
      content_type: m.meta.content_type || contentTypeOf(msg),
      rfc822_length: m.meta.rfc822_length ?? bytes.length,
    }));
  }

  async finish(started: number): Promise<ImportReport> {
    for (const u of await this.hasher.drain()) await this.putUser(u);
    await this.writer.flush();
    if (this.listsAfterMessages) await fixRefcounts(this.store, this.refcounts);
    let dangling = 0;
    let unlisted = 0;
    for (const n of this.refcounts.keys()) if (!this.messages.has(n)) dangling++;
    for (const n of this.messages) if (!this.refcounts.has(n)) unlisted++;
    if (dangling > 0) {
      this.warn(`${dangling} message numbers in room lists have no <message> in the export`);
    }
    if (unlisted > 0) this.warn(`${unlisted} messages are in no room's list (reference count 0)`);
    const derived = await rebuildIndexes(this.store, { euids: this.euids, fqdn: this.fqdn });

    const r = this.report;
    if (r.version === "") this.warn("the export has no <version>");
    let control = 0;
    for (const k of this.configKeys) if (CONTROL_KEYS.has(k)) control++;
    r.expected = {
      config: this.configKeys.size - control,
      control,
      users: this.userKeys.size,
      rooms: this.roomNumbers.size,
      floors: r.elements.floor ?? 0,
      visits: r.elements.visit ?? 0,
      messages: this.messages.size,
      msgmeta: this.messages.size,
      msglists: r.elements["message pointers"] ?? 0,
      ...derived,
    };
    for (const t of TABLE_NAMES) r.tables[t] = (await this.store.stats(t)).count;
    for (const [t, want] of Object.entries(r.expected) as [TableName, number][]) {
      if (r.tables[t] !== want) {
        this.warn(`table ${t}: the export has ${want} records, the store ${r.tables[t]}`);
      }
    }
    if (this.extraWarnings > 0) r.warnings.push(`... and ${this.extraWarnings} more warnings`);
    r.passwordsHashed = this.hasher.hashed;
    r.hashSeconds = this.hasher.seconds;
    r.seconds = Math.round(performance.now() - started) / 1000;
    return r;
  }
}

/**
 * Imports a MIGR export from text chunks into `store` (which should be empty: the records
 * are written over whatever is there, and nothing is deleted). Throws MigrFormatError for a
 * truncated or malformed document; the store then holds a partial import, which is why
 * {@link importMigrFile} imports into a staging store.
 */
export async function importMigr(
  store: Store,
  source: AsyncIterable<string>,
  opts: ImportOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  const importer = new MigrImporter(store, opts);
  for await (const rec of readMigrRecords(source)) await importer.record(rec);
  return await importer.finish(started);
}

/** The text of a file, decoded as UTF-8 in chunks as it is read. */
export async function* fileText(path: string): AsyncGenerator<string> {
  const file = await Deno.open(path);
  yield* file.readable.pipeThrough(new TextDecoderStream());
}

/**
 * `ctdlsync import`: imports the export in `path` into a staging store beside `dataDir` and
 * swaps it in only when the whole document was read and mapped. A truncated or malformed
 * export leaves `dataDir` exactly as it was.
 */
export async function importMigrFile(
  path: string,
  dataDir: string,
  opts: ImportOptions = {},
): Promise<ImportReport> {
  await Deno.stat(path).catch((e) => {
    throw new CtdlError(571, `cannot read ${path}: ${(e as Error).message}`);
  });
  return await replaceStore(dataDir, (store) => importMigr(store, fileText(path), opts));
}
