import { Code, CtdlError } from "../errors.ts";
import { RoomFlag } from "../store/rooms.ts";
import type { Room } from "../store/tables.ts";
import { currentRoom } from "./access.ts";
import type { Session } from "./session.ts";

/**
 * Where 902 says its room files are: `<home>/files/` plus the directory, with the double
 * slash its path building leaves. ctdlsync's home is the folder of its store.
 */
export function filesPath(s: Session, dirname: string, name?: string): string {
  const home = s.server.store.path.replace(/\/[^/]*$/, "");
  return `${home}/files//${dirname}` + (name === undefined ? "" : `/${name}`);
}

/**
 * A file name from a client: `/` and `\\` become `_` as in Citadel, which also keeps a name
 * inside its directory; a name that tries to climb out (`../`) is refused outright.
 */
export function fileName(raw: string | undefined): string {
  const name = (raw ?? "").trim();
  if (name === "") throw new CtdlError(Code.FILE_NOT_FOUND, "You must specify a file name.");
  if (name === ".." || /(^|[/\\])\.\.([/\\]|$)/.test(name)) {
    throw new CtdlError(Code.ILLEGAL_VALUE, "syntax error.");
  }
  return name.replace(/[/\\]/g, "_");
}

/** The current room if it has a file directory; 560 otherwise. */
export async function directoryRoom(s: Session): Promise<Room> {
  const room = await currentRoom(s);
  if (!(room.flags & RoomFlag.DIRECTORY) || room.dirname === "") {
    throw new CtdlError(Code.NOT_HERE, "No directory in this room.");
  }
  return room;
}
