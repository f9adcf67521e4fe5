/**
 * The `.ctdlsync-state` file at the top of a mirror: per room, the stamp it is in step
 * with and what each local file stood for then, so a rerun moves only what changed.
 * Written as a whole, atomically (temporary file, then rename).
 */
import { join } from "node:path";

/**
 * A mail message kept as a Maildir file: bit flags, a plain number so that the state of a
 * big mailbox stays small and quick to read.
 */
export type MailItem = number;

/** MailItem bits: seen when last in step; deleted locally and kept on the server. */
export const MailBit = { SEEN: 1, HIDDEN: 2 } as const;

/** A calendar, task, contact or note item kept as one file. */
export interface FileItem {
  /** File name inside the room's folder. */
  f: string;
  /** EUID on the server. */
  e: string;
  /** SHA-256 hex of the file's bytes, mtime (ms) and size when last in step. */
  h: string;
  m: number;
  z: number;
}

/** One room's part of the state. */
export interface RoomState {
  /** Folder name under the mirror's top directory. */
  dir: string;
  kind: string;
  /** The server stamp the room is in step with. */
  stamp: number;
  /** Maildir rooms: the mtimes of `cur/` and `new/` when last in step (see maildir.ts). */
  dirs?: string;
  /** Maildir rooms: the user's seen set on the server when last in step. */
  seen?: string;
  /** Message number to item. */
  items: Record<string, MailItem | FileItem>;
}

/** The whole state file. */
export interface MirrorState {
  version: typeof STATE_VERSION;
  /** The server's store id: another store (a rebuilt server) means a full fetch. */
  storeId: string;
  user: string;
  rooms: Record<string, RoomState>;
}

/** The state file's format. */
export const STATE_VERSION = 2;

/** The state file's name in the mirror's top directory. */
export const STATE_FILE = ".ctdlsync-state";

/** Reads the state, or a new empty one when the file does not exist. */
export async function loadState(top: string, user: string): Promise<MirrorState> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(top, STATE_FILE));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return { version: STATE_VERSION, storeId: "", user, rooms: {} };
    }
    throw e;
  }
  const state = JSON.parse(text) as MirrorState;
  if (state.version !== STATE_VERSION || typeof state.rooms !== "object") {
    throw new Error(`${join(top, STATE_FILE)} is not a ctdlsync mirror state`);
  }
  if (state.user.toLowerCase() !== user.toLowerCase()) {
    throw new Error(`${top} is the mirror of '${state.user}', not of '${user}'`);
  }
  return state;
}

/** Writes the state atomically. */
export async function saveState(top: string, state: MirrorState): Promise<void> {
  await writeAtomic(join(top, STATE_FILE), new TextEncoder().encode(JSON.stringify(state)));
}

/**
 * Writes a file so that a reader (or a crash at any point) sees either the old file or the
 * whole new one: the bytes go to a temporary name in the same directory, then are renamed.
 */
export async function writeAtomic(path: string, bytes: Uint8Array, tmpDir?: string) {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dir = tmpDir ?? path.slice(0, path.lastIndexOf("/"));
  const tmp = join(dir, `.${base}.${TMP_MARK}${Deno.pid}`);
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
}

/** Part of every temporary name, so a run can remove what a killed run left. */
export const TMP_MARK = "ctdlsync-tmp-";

/** Removes temporary files a killed run left in `dir`. */
export async function removeLeftovers(dir: string): Promise<void> {
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.includes(TMP_MARK)) await Deno.remove(join(dir, e.name));
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
