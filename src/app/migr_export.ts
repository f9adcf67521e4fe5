/**
 * The way back to Citadel: writes a store as the MIGR document a real Citadel 902 writes
 * (citadel-protocol.md §8.1): the same elements in the same order and shapes, `<progress>`
 * markers where 902 puts them, `msg_text` in libcitadel's CRLF-every-68 base64, and the stray
 * `<progress>100</progress>` after the root.
 *
 * Differences, on purpose:
 * - `u_password` never holds a password that logs in: ctdlsync keeps no clear text, and the
 *   stored hash's first 31 bytes would open the account on a 902. Each user gets a random
 *   locked value recorded nowhere, or the password chosen for it (`export --passwords`). The
 *   wire `MIGR export` also carries the hash in `u_ctdlsync_password` (see fields.ts).
 * - `msg_meta_refcount` is the true count; 902 writes a stale 0.
 * - `u_emailaddrs` is written for users that have addresses (902 has no such field and skips
 *   it; later versions read it), and `QRdirname` also for a room that has a directory name
 *   without the directory flag, so nothing the store holds is lost.
 * - CR and LF inside text values are written as character references (see xml_escape.ts).
 * - Not in MIGR: system messages and room files (`export` writes them beside the document,
 *   see export_files.ts), the use table and the old room info texts (`roominfo`); the
 *   derived indexes are rebuilt on import.
 * - A visit's `v_lastseen` goes into `v_seen` when its seen set is empty, as 902 writes it;
 *   a visit with both (native ctdlsync data, never 902's) also gets a `<v_lastseen>` element.
 *
 * @module
 */

import { encodeCitadelBase64 } from "../message/base64.ts";
import { parseMessage } from "../message/message.ts";
import {
  el,
  floorToMigr,
  isStoredPassword,
  lockedPassword,
  messageToMigr,
  roomToMigr,
  userToMigr,
  type VisitKey,
  visitToMigr,
} from "../migr/fields.ts";
import { escapeXml } from "../migr/xml_escape.ts";
import { readAllConfig } from "../store/control.ts";
import { contentTypeOf } from "../store/messages.ts";
import type { Store } from "../store/store.ts";
import { TABLES, type User } from "../store/tables.ts";
import { userKey } from "../store/users.ts";

/** The REV_LEVEL our documents claim: the shapes are 902's. */
export const EXPORT_VERSION = 902;

/** Elements written, by name; filled in while the document streams. */
export type ExportCounts = Record<string, number>;

/** How an export writes passwords. It never writes one that logs in. */
export interface ExportOptions {
  /**
   * Chosen clear-text passwords by user key (`userKey(name)`), for `export --passwords`. Every
   * other account gets a random locked value recorded nowhere (counted as
   * `passwords to set`).
   */
  passwords?: Map<string, string>;
  /**
   * Also carry each stored hash in `u_ctdlsync_password`, which a real Citadel ignores, so a
   * ctdlsync importing the document keeps every login. On for the wire `MIGR export` (an
   * Aide's fallback pull from ctdlsync); off for `export --migr`.
   */
  carryHashes?: boolean;
}

function progress(pct: number): string {
  return `<progress>${pct}</progress>\n`;
}

/** Citadel's user key order in 902 (the lower-cased name), which is the export's order. */
function byCitadelKey(a: User, b: User): number {
  const x = a.fullname.toLowerCase();
  const y = b.fullname.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Streams the store as a MIGR document, in pieces of whole lines. `counts`, when given,
 * receives the number of elements written per name.
 *
 * @example
 * ```ts
 * for await (const piece of exportMigr(store)) await writer.write(encoder.encode(piece));
 * ```
 */
export async function* exportMigr(
  store: Store,
  counts: ExportCounts = {},
  opts: ExportOptions = { carryHashes: true },
): AsyncGenerator<string> {
  const bump = (name: string) => counts[name] = (counts[name] ?? 0) + 1;
  yield `<?xml version="1.0" encoding="UTF-8" ?>\n<citadel_migrate_data>\n` +
    el("version", EXPORT_VERSION) + progress(0);

  // 902 keeps config and control counters in one table, CDB_CONFIG, in key order.
  const config = await readAllConfig(store);
  for await (const rec of store.list("control")) {
    config.set(rec.key[0] as string, String(TABLES.control.codec.decode(rec.value)));
  }
  let piece = "";
  for (const key of [...config.keys()].sort()) {
    piece += `<config key="${escapeXml(key)}">${escapeXml(config.get(key)!)}</config>\n`;
    bump("config");
  }
  yield piece + progress(2);

  const users: User[] = [];
  for await (const rec of store.list("users")) users.push(TABLES.users.codec.decode(rec.value));
  users.sort(byCitadelKey);
  for (const u of users) {
    const chosen = opts.passwords?.get(userKey(u.fullname));
    // The blank record 902 keeps for user 0 has no password to protect.
    const password = u.fullname === "" ? "" : chosen ?? lockedPassword();
    if (u.fullname !== "" && chosen === undefined) bump("passwords to set");
    const carried = opts.carryHashes && isStoredPassword(u.password) ? u.password : undefined;
    yield userToMigr(u, password, carried);
    bump("user");
  }
  yield progress(7) + progress(12);

  for await (const rec of store.list("rooms")) {
    const room = TABLES.rooms.codec.decode(rec.value);
    yield roomToMigr(room) + `<room_messages><FRname>${escapeXml(room.name)}</FRname>\n<FRmsglist>`;
    bump("room");
    let list = "";
    for await (const key of store.keys("msglists", [room.number])) {
      list += `${key[1]}\n`;
      bump("message pointers");
      if (list.length > 60_000) {
        yield list;
        list = "";
      }
    }
    yield list + "</FRmsglist>\n</room_messages>\n";
    bump("room_messages");
  }
  yield progress(17);

  for await (const rec of store.list("floors")) {
    yield floorToMigr(rec.key[0] as number, TABLES.floors.codec.decode(rec.value));
    bump("floor");
  }
  yield progress(18);

  for await (const rec of store.list("visits")) {
    yield visitToMigr(rec.key as VisitKey, TABLES.visits.codec.decode(rec.value));
    bump("visit");
  }
  yield progress(25);

  // 902 reports 25..99 % over the messages, one marker each time the figure changes.
  const total = (await store.stats("messages")).count;
  let done = 0;
  let shown = -1;
  // Metadata is listed beside the messages (both in msgnum order), not read one by one.
  const metas = store.list("msgmeta")[Symbol.asyncIterator]();
  let nextMeta = await metas.next();
  try {
    for await (const rec of store.list("messages")) {
      const msgnum = rec.key[0] as number;
      while (!nextMeta.done && (nextMeta.value.key[0] as number) < msgnum) {
        nextMeta = await metas.next();
      }
      const meta = !nextMeta.done && nextMeta.value.key[0] === msgnum
        ? TABLES.msgmeta.codec.decode(nextMeta.value.value)
        : null;
      const type = meta?.content_type ?? contentTypeOf(parseMessage(rec.value));
      let out = messageToMigr(msgnum, {
        ...(meta ?? { refcount: 0 }),
        refcount: meta?.refcount ?? 0,
        rfc822_length: meta?.rfc822_length ?? rec.value.length,
        content_type: type,
      }, encodeCitadelBase64(rec.value));
      bump("message");
      const pct = 25 + Math.floor(74 * ++done / Math.max(total, done));
      if (pct !== shown) {
        out += progress(pct);
        shown = pct;
      }
      yield out;
    }
  } finally {
    await metas.return?.(undefined);
  }
  // Citadel writes this marker after the root; readers must ignore it (ours does).
  yield `</citadel_migrate_data>\n${progress(100)}`;
}

/**
 * `ctdlsync export`: writes the document to `path` through a temporary file renamed into place
 * at the end, so an interrupted export never leaves a file that looks complete.
 */
export async function exportMigrFile(
  store: Store,
  path: string,
  opts: ExportOptions = {},
): Promise<ExportCounts> {
  const counts: ExportCounts = {};
  const tmp = `${path}.partial-${crypto.randomUUID().slice(0, 8)}`;
  const file = await Deno.open(tmp, { write: true, createNew: true });
  const writer = file.writable.getWriter();
  const encoder = new TextEncoder();
  try {
    let buf = "";
    for await (const piece of exportMigr(store, counts, opts)) {
      buf += piece;
      if (buf.length >= 256 * 1024) {
        await writer.write(encoder.encode(buf));
        buf = "";
      }
    }
    await writer.write(encoder.encode(buf));
    await writer.close();
  } catch (e) {
    await writer.abort().catch(() => {});
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  await Deno.rename(tmp, path);
  return counts;
}
