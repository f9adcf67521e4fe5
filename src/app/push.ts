/**
 * `ctdlsync push`: the last step of the way back to a stock Citadel. MIGR carries neither the
 * system messages nor the room files, so after the Citadel host's admin has run `MIGR import`
 * of our export, push sends them over the ordinary client protocol, as an Aide:
 *
 * - every system message with `EMSG name`, its raw text (macros and all), then `000`;
 * - every room file with `GOTO room`, `UOPN name|mimetype|description`, `WRIT n` + bytes,
 *   `UCLS 1` (which also writes Citadel's `filedir` description).
 *
 * A file already there with the same bytes is left alone; one with other bytes is replaced
 * only with `force` (DELF, then the upload). Then everything is read back the way a client
 * would (`RDIR`, `OPEN`/`READ`, and `MESG` as the user and logged out) and compared.
 *
 * @module
 */

import { CitadelClient } from "../client/connection.ts";
import { humanBytes } from "../client/report.ts";
import { Code, CtdlError } from "../errors.ts";
import { listRoomFiles, parseRoomFile, type RoomFile } from "../store/room_files.ts";
import type { Store } from "../store/store.ts";
import { getSystemMessage, listSystemMessages } from "../store/system_messages.ts";
import {
  compareRoomFiles,
  directoryRooms,
  downloadFile,
  listDirectory,
  sameBytes,
} from "./fallback_files.ts";
import { compareSystemMessages, macroValuesFor } from "./fallback_mesg.ts";

/** Bytes sent per WRIT (Citadel takes at most this much at once). */
const WRIT_SIZE = 64 * 1024;

/** Options of a push. */
export interface PushOptions {
  to: string;
  user: string;
  password: string;
  tls?: boolean;
  caCerts?: string[];
  timeoutSeconds?: number;
  /** Replace files that exist on the server with other bytes. */
  force?: boolean;
  onProgress?: (line: string) => void;
}

/** What a push did and what reading back found. */
export interface PushReport {
  messages: number;
  files: number;
  bytes: number;
  /** Files already on the server with the same bytes. */
  unchanged: number;
  /** What could not be sent, one line each. */
  problems: string[];
  /** Where the server, read back, differs from the store. */
  differences: string[];
}

async function sendSystemMessage(client: CitadelClient, name: string, text: string) {
  const lines = text.replace(/\n$/, "").split("\n");
  // A line "000" would end the text early on every Citadel server.
  if (lines.includes("000")) return `system message ${name}: a line "000" cannot be sent`;
  const r = await client.command(`EMSG ${name}`);
  if (r.code !== Code.SEND_LISTING) throw new CtdlError(r.code, `EMSG ${name}: ${r.text}`);
  for (const l of lines) await client.out.writeLine(l);
  // Citadel answers nothing after the 000.
  await client.send("000");
  return null;
}

async function upload(client: CitadelClient, f: RoomFile, data: Uint8Array) {
  const u = await client.command(`UOPN ${f.name}|${f.mimetype}|${f.description}`);
  if (u.code !== Code.OK) return `UOPN ${f.name}: ${u.line}`;
  for (let off = 0; off < data.length;) {
    const w = await client.command(`WRIT ${Math.min(WRIT_SIZE, data.length - off)}`);
    const n = Number(w.text.split("|")[0]);
    if (w.code !== Code.SEND_BINARY || !(n > 0 && off + n <= data.length)) {
      await client.command("UCLS 0");
      return `WRIT of ${f.name} at ${off}: ${w.line}`;
    }
    await client.out.write(data.subarray(off, off + n));
    await client.out.flush();
    off += n;
  }
  const c = await client.command("UCLS 1");
  return c.code === Code.OK ? null : `UCLS 1 of ${f.name}: ${c.line}`;
}

async function pushFiles(store: Store, client: CitadelClient, opts: PushOptions, r: PushReport) {
  for (const room of await directoryRooms(store)) {
    const mine = await listRoomFiles(store, room.dirname);
    if (mine.length === 0) continue;
    const refused: string[] = [];
    const theirs = await listDirectory(client, room.name, refused);
    // The rooms come from the MIGR import; without it there is nowhere to put the files.
    r.problems.push(...refused.map((p) => `${p} (has MIGR import of our export run there?)`));
    if (!theirs) continue;
    for (const f of mine) {
      const where = `${room.dirname}/${f.name}`;
      opts.onProgress?.(`files of ${room.name}: ${f.name} (${humanBytes(f.size)})`);
      const { data } = parseRoomFile((await store.get("roomfiles", [room.dirname, f.name]))!);
      if (theirs.some((e) => e.name === f.name)) {
        const got = await downloadFile(client, room.name, f.name, r.problems);
        if (got && sameBytes(got.data, data)) {
          r.unchanged++;
          continue;
        }
        if (!opts.force) {
          r.problems.push(`${where}: the server has other bytes; --force replaces them`);
          continue;
        }
        const d = await client.command(`DELF ${f.name}`);
        if (d.code !== Code.OK) {
          r.problems.push(`DELF ${where}: ${d.line}`);
          continue;
        }
      }
      const problem = await upload(client, f, data);
      if (problem) r.problems.push(`${where}: ${problem}`);
      else {
        r.files++;
        r.bytes += data.length;
      }
    }
  }
}

/** Sends the store's system messages and room files to `opts.to`, then reads them back. */
export async function runPush(store: Store, opts: PushOptions): Promise<PushReport> {
  const client = await CitadelClient.connect(opts.to, opts);
  const r: PushReport = {
    messages: 0,
    files: 0,
    bytes: 0,
    unchanged: 0,
    problems: [],
    differences: [],
  };
  try {
    const login = await client.login(opts.user, opts.password);
    const names = await listSystemMessages(store);
    for (const [k, name] of names.entries()) {
      opts.onProgress?.(`system messages ${k + 1}/${names.length}: ${name}`);
      const problem = await sendSystemMessage(client, name, (await getSystemMessage(store, name))!);
      if (problem) r.problems.push(problem);
      else r.messages++;
    }
    await pushFiles(store, client, opts, r);
    opts.onProgress?.("reading back");
    // Only what push sent: banners and files the server has besides ours are its own.
    r.differences.push(...await compareRoomFiles(store, client, opts.onProgress, false));
    // Last: it reads the banners logged out too, which ends the login.
    const values = await macroValuesFor(store, login);
    r.differences.push(...await compareSystemMessages(store, client, values, false));
    return r;
  } finally {
    opts.onProgress?.("");
    await client.quit();
  }
}
