import { CtdlError } from "../errors.ts";
import { concat } from "../wire/bytes.ts";
import type { Op, Store } from "./store.ts";
import { type RoomFileMeta, roomFileMetaCodec } from "./tables.ts";

/**
 * A room file is one record under `[dirname, filename]` so its description and bytes change
 * together. The value is an envelope: a 4-byte big-endian length, the metadata JSON, then
 * the file's bytes. Metadata first lets RDIR read a few bytes of even a huge file.
 */
export interface RoomFile extends RoomFileMeta {
  name: string;
  size: number;
}

/** The op that stores a room file. */
export function roomFileOp(
  dirname: string,
  name: string,
  meta: RoomFileMeta,
  data: Uint8Array,
): Op {
  const head = roomFileMetaCodec.encode(meta);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, head.length);
  return { table: "roomfiles", key: [dirname, name], value: concat([len, head, data]) };
}

/** Splits an envelope into metadata and bytes; throws on a malformed one. */
export function parseRoomFile(value: Uint8Array): { meta: RoomFileMeta; data: Uint8Array } {
  if (value.length < 4) throw new Error("room file record is shorter than its header");
  const len = new DataView(value.buffer, value.byteOffset, 4).getUint32(0);
  if (4 + len > value.length) throw new Error("room file header runs past the record");
  return {
    meta: roomFileMetaCodec.decode(value.subarray(4, 4 + len)),
    data: value.subarray(4 + len),
  };
}

async function header(store: Store, dirname: string, name: string) {
  const lenBytes = await store.readRange("roomfiles", [dirname, name], 0, 4);
  if (!lenBytes) return null;
  const total = (await store.size("roomfiles", [dirname, name]))!;
  const len = new DataView(lenBytes.buffer, lenBytes.byteOffset, 4).getUint32(0);
  const head = await store.readRange("roomfiles", [dirname, name], 4, len);
  if (!head || head.length !== len) {
    throw new CtdlError(510, `room file ${dirname}/${name} is damaged`);
  }
  return { meta: roomFileMetaCodec.decode(head), offset: 4 + len, size: total - 4 - len };
}

/** Describes one file of a directory room, or null. */
export async function statRoomFile(
  store: Store,
  dirname: string,
  name: string,
): Promise<RoomFile | null> {
  const h = await header(store, dirname, name);
  return h ? { name, size: h.size, ...h.meta } : null;
}

/** Lists the files of a directory room, by name. */
export async function listRoomFiles(store: Store, dirname: string): Promise<RoomFile[]> {
  const out: RoomFile[] = [];
  for await (const key of store.keys("roomfiles", [dirname])) {
    const f = await statRoomFile(store, dirname, key[1] as string);
    if (f) out.push(f);
  }
  return out;
}

/** Reads part of a room file's bytes (READ), without loading the whole file. */
export async function readRoomFile(
  store: Store,
  dirname: string,
  name: string,
  offset: number,
  length: number,
): Promise<Uint8Array | null> {
  const h = await header(store, dirname, name);
  if (!h) return null;
  const end = Math.min(h.size, offset + length);
  if (offset >= end) return new Uint8Array(0);
  return await store.readRange("roomfiles", [dirname, name], h.offset + offset, end - offset);
}
