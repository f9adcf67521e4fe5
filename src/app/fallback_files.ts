/**
 * Step 3 of the fallback pull: the files of every directory room, over the client protocol
 * a stock Citadel serves: `GOTO room||1` (transient, so the source's visit records stay as
 * they are), `RDIR`, then per file `OPEN`, pipelined `READ off|4096`, `CLOS`.
 *
 * @module
 */

import { CitadelClient } from "../client/connection.ts";
import { humanBytes } from "../client/report.ts";
import { CtdlError } from "../errors.ts";
import { quoteSnippet } from "../migr/snippet.ts";
import { roomFileOp } from "../store/room_files.ts";
import { RoomFlag } from "../store/rooms.ts";
import type { Store } from "../store/store.ts";
import { TABLES } from "../store/tables.ts";

/** Bytes asked for per READ: the most a Citadel server hands out at once. */
const READ_SIZE = 4096;
/** READs in flight per file. */
const READ_WINDOW = 32;

/** One RDIR line: `name|size|mimetype|description`. */
interface DirEntry {
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
    if (r.code !== 600) throw new CtdlError(r.code, `READ of ${name} at ${offset}: ${r.text}`);
    const n = Number(r.text.split("|")[0]);
    const want = Math.min(READ_SIZE, size - offset);
    const bytes = await client.reader.readExact(n, name);
    if (n !== want) {
      throw new CtdlError(510, `READ of ${name} at ${offset} gave ${n} bytes, not ${want}`);
    }
    data.set(bytes, offset);
    got += n;
  }
  return data;
}

/** What step 3 found: files listed by RDIR and files stored with the right size. */
export interface FilesResult {
  listed: number;
  stored: number;
  problems: string[];
}

/** Step 3: the files of every directory room. */
export async function pullRoomFiles(
  store: Store,
  client: CitadelClient,
  onProgress?: (line: string) => void,
): Promise<FilesResult> {
  const result: FilesResult = { listed: 0, stored: 0, problems: [] };
  const rooms = [];
  for await (const rec of store.list("rooms")) {
    const room = TABLES.rooms.codec.decode(rec.value);
    if ((room.flags & RoomFlag.DIRECTORY) && room.dirname !== "") rooms.push(room);
  }
  for (const room of rooms) {
    const g = await client.command(`GOTO ${room.name}||1`);
    if (Math.floor(g.code / 100) !== 2) {
      result.problems.push(`GOTO ${room.name}: ${g.line}`);
      continue;
    }
    const r = await client.command("RDIR");
    if (Math.floor(r.code / 100) !== 1) {
      result.problems.push(`RDIR in ${room.name}: ${r.line}`);
      continue;
    }
    const entries: DirEntry[] = [];
    for (const line of await client.readListing()) {
      const e = parseRdirLine(line);
      if (e) entries.push(e);
      else result.problems.push(`RDIR in ${room.name}: cannot read ${quoteSnippet(line)}`);
    }
    result.listed += entries.length;
    for (const e of entries) {
      onProgress?.(`files of ${room.name}: ${e.name} (${humanBytes(e.size)})`);
      const o = await client.command(`OPEN ${e.name}`);
      if (o.code !== 200) {
        result.problems.push(`OPEN ${e.name} in ${room.name}: ${o.line}`);
        continue;
      }
      const [size, mtime] = o.text.split("|").map(Number);
      let data: Uint8Array;
      try {
        data = await readOpenFile(client, size, e.name);
      } finally {
        await client.command("CLOS");
      }
      if (size !== e.size || data.length !== e.size) {
        result.problems.push(
          `${room.dirname}/${e.name}: RDIR says ${e.size} bytes, OPEN ${size}, read ${data.length}`,
        );
        continue;
      }
      await store.write([roomFileOp(room.dirname, e.name, {
        mimetype: e.mimetype,
        description: e.description,
        mtime: Number.isFinite(mtime) ? mtime : 0,
      }, data)]);
      result.stored++;
    }
  }
  return result;
}
