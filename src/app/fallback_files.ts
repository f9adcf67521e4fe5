/**
 * Step 2 of the fallback pull: the files of every directory room, over the client protocol
 * a stock Citadel serves: `GOTO room||1` (transient, so the source's visit records stay as
 * they are), `RDIR`, then per file `OPEN`, pipelined `READ off|4096`, `CLOS`.
 *
 * @module
 */

import { CitadelClient } from "../client/connection.ts";
import { humanBytes } from "../client/report.ts";
import { Code, CtdlError } from "../errors.ts";
import { quoteSnippet } from "../migr/snippet.ts";
import { listRoomFiles, parseRoomFile, roomFileOp } from "../store/room_files.ts";
import { RoomFlag } from "../store/rooms.ts";
import type { Store } from "../store/store.ts";
import { type Room, TABLES } from "../store/tables.ts";

/** Bytes asked for per READ: the most a Citadel server hands out at once. */
const READ_SIZE = 4096;
/** READs in flight per file. */
const READ_WINDOW = 32;

/** One RDIR line: `name|size|mimetype|description`. */
export interface DirEntry {
  name: string;
  size: number;
  mimetype: string;
  description: string;
}

function parseRdirLine(line: string): DirEntry | null {
  const [name, size, mimetype, ...rest] = line.split("|");
  if (!name || !/^\d+$/.test(size ?? "")) return null;
  // 902 keeps the space that separates name and description in `filedir`.
  const description = rest.join("|").replace(/^ /, "");
  return { name, size: Number(size), mimetype: mimetype ?? "", description };
}

/** Downloads one open file with pipelined READs; returns its bytes. */
async function readOpenFile(client: CitadelClient, size: number, name: string) {
  const data = new Uint8Array(size);
  let asked = 0;
  const inflight: number[] = [];
  let got = 0;
  while (got < size) {
    while (inflight.length < READ_WINDOW && asked < size) {
      const len = Math.min(READ_SIZE, size - asked);
      await client.out.writeLine(`READ ${asked}|${len}`);
      inflight.push(asked);
      asked += len;
    }
    await client.out.flush();
    const offset = inflight.shift()!;
    const r = await client.readReply();
    if (r.code !== Code.BINARY_FOLLOWS) {
      throw new CtdlError(r.code, `READ of ${name} at ${offset}: ${r.text}`);
    }
    const n = Number(r.text.split("|")[0]);
    const want = Math.min(READ_SIZE, size - offset);
    const bytes = await client.reader.readExact(n, name);
    if (n !== want) {
      throw new CtdlError(
        Code.INTERNAL_ERROR,
        `READ of ${name} at ${offset} gave ${n} bytes, not ${want}`,
      );
    }
    data.set(bytes, offset);
    got += n;
  }
  return data;
}

/** The directory rooms of `store`: the rooms whose files RDIR lists. */
export async function directoryRooms(store: Store): Promise<Room[]> {
  const rooms: Room[] = [];
  for await (const rec of store.list("rooms")) {
    const room = TABLES.rooms.codec.decode(rec.value);
    if ((room.flags & RoomFlag.DIRECTORY) && room.dirname !== "") rooms.push(room);
  }
  return rooms;
}

/**
 * Enters `room` (transient: `GOTO room||1` leaves the user's visit record as it was) and lists
 * its files; a refusal comes back as the line to report.
 */
export async function listDirectory(
  client: CitadelClient,
  room: string,
  problems: string[],
): Promise<DirEntry[] | null> {
  const g = await client.command(`GOTO ${room}||1`);
  if (Math.floor(g.code / 100) !== 2) {
    problems.push(`GOTO ${room}: ${g.line}`);
    return null;
  }
  const r = await client.command("RDIR");
  if (Math.floor(r.code / 100) !== 1) {
    problems.push(`RDIR in ${room}: ${r.line}`);
    return null;
  }
  const entries: DirEntry[] = [];
  for (const line of await client.readListing()) {
    const e = parseRdirLine(line);
    if (e) entries.push(e);
    else problems.push(`RDIR in ${room}: cannot read ${quoteSnippet(line)}`);
  }
  return entries;
}

/** Downloads file `name` of the current room: OPEN, pipelined READs, CLOS. */
export async function downloadFile(
  client: CitadelClient,
  room: string,
  name: string,
  problems: string[],
): Promise<{ data: Uint8Array; mtime: number } | null> {
  const o = await client.command(`OPEN ${name}`);
  if (o.code !== Code.OK) {
    problems.push(`OPEN ${name} in ${room}: ${o.line}`);
    return null;
  }
  const [size, mtime] = o.text.split("|").map(Number);
  try {
    return {
      data: await readOpenFile(client, size, name),
      mtime: Number.isFinite(mtime) ? mtime : 0,
    };
  } finally {
    await client.command("CLOS");
  }
}

/** What step 2 found: files listed by RDIR and files stored with the right size. */
export interface FilesResult {
  listed: number;
  stored: number;
  problems: string[];
}

/** Step 2: the files of every directory room. */
export async function pullRoomFiles(
  store: Store,
  client: CitadelClient,
  onProgress?: (line: string) => void,
): Promise<FilesResult> {
  const result: FilesResult = { listed: 0, stored: 0, problems: [] };
  for (const room of await directoryRooms(store)) {
    const entries = await listDirectory(client, room.name, result.problems);
    if (!entries) continue;
    result.listed += entries.length;
    for (const e of entries) {
      onProgress?.(`files of ${room.name}: ${e.name} (${humanBytes(e.size)})`);
      const got = await downloadFile(client, room.name, e.name, result.problems);
      if (!got) continue;
      if (got.data.length !== e.size) {
        result.problems.push(
          `${room.dirname}/${e.name}: RDIR says ${e.size} bytes, read ${got.data.length}`,
        );
        continue;
      }
      await store.write([roomFileOp(room.dirname, e.name, {
        mimetype: e.mimetype,
        description: e.description,
        mtime: got.mtime,
      }, got.data)]);
      result.stored++;
    }
  }
  return result;
}

/** True when two byte arrays hold the same bytes. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Reads every room file of `store` back from the server: listed by RDIR with the same size,
 * type and description, and the same bytes; with `serverExtras`, a file only the server has
 * is a difference too. Returns one line per difference (modification times are not
 * compared: an upload's is the time it arrived).
 */
export async function compareRoomFiles(
  store: Store,
  client: CitadelClient,
  onProgress?: (line: string) => void,
  serverExtras = true,
): Promise<string[]> {
  const out: string[] = [];
  for (const room of await directoryRooms(store)) {
    const mine = await listRoomFiles(store, room.dirname);
    const entries = await listDirectory(client, room.name, out);
    if (!entries) continue;
    const theirs = new Map(entries.map((e) => [e.name, e]));
    for (const e of serverExtras ? entries : []) {
      if (!mine.some((f) => f.name === e.name)) {
        out.push(`${room.dirname}/${e.name}: only on the server`);
      }
    }
    for (const f of mine) {
      const where = `${room.dirname}/${f.name}`;
      const e = theirs.get(f.name);
      if (!e) {
        out.push(`${where}: not on the server`);
        continue;
      }
      if (e.size !== f.size || e.mimetype !== f.mimetype || e.description !== f.description) {
        out.push(`${where}: RDIR shows ${e.size} bytes, ${e.mimetype}, "${e.description}"`);
        continue;
      }
      onProgress?.(`reading back ${where} (${humanBytes(f.size)})`);
      const got = await downloadFile(client, room.name, f.name, out);
      const { data } = parseRoomFile((await store.get("roomfiles", [room.dirname, f.name]))!);
      if (got && !sameBytes(got.data, data)) out.push(`${where}: other bytes on the server`);
    }
  }
  return out;
}
