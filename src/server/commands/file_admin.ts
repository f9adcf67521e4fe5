import { Code, CtdlError } from "../../errors.ts";
import { readRoomFile, roomFileOp, statRoomFile } from "../../store/room_files.ts";
import { RoomFlag } from "../../store/rooms.ts";
import type { Room } from "../../store/tables.ts";
import { isRoomAide, resolveRoom } from "../access.ts";
import { directoryRoom, filesPath } from "../room_files.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/** The current directory room, when the user may administer it. */
async function managedDirectory(s: Session): Promise<Room> {
  const room = await directoryRoom(s);
  if (!isRoomAide(s.requireUser(), room)) {
    throw new CtdlError(
      Code.HIGHER_ACCESS_REQUIRED,
      "This command requires Admin or Room Admin access.",
    );
  }
  return room;
}

/** Managing room files: DELF (delete) and MOVF (move to another directory room). */
export const fileAdminCommands: CommandTable = {
  DELF: {
    access: "user",
    async run(s, args) {
      const room = await managedDirectory(s);
      const name = (args[0] ?? "").replace(/[/\\]/g, "_");
      const path = filesPath(s, room.dirname, name);
      await s.server.store.update(async (r) => {
        if (name === "" || !await r.get("roomfiles", [room.dirname, name])) {
          throw new CtdlError(Code.FILE_NOT_FOUND, `File '${path}' not found.`);
        }
        return { ops: [{ table: "roomfiles", key: [room.dirname, name], value: null }] };
      });
      await s.reply(`${Code.OK} File '${path}' deleted.`);
    },
  },
  MOVF: {
    access: "user",
    async run(s, args) {
      const room = await managedDirectory(s);
      const store = s.server.store;
      const name = (args[0] ?? "").replace(/[/\\]/g, "_");
      const targetName = args[1] ?? "";
      const target = await resolveRoom(store, s.requireUser(), targetName);
      if (!target) throw new CtdlError(Code.ROOM_NOT_FOUND, `Room '${targetName}' not found.`);
      if (!(target.flags & RoomFlag.DIRECTORY) || target.dirname === "") {
        throw new CtdlError(Code.NOT_HERE, `'${target.name}' is not a directory room.`);
      }
      const file = await statRoomFile(store, room.dirname, name);
      const data = file ? await readRoomFile(store, room.dirname, name, 0, file.size) : null;
      if (!file || !data) {
        throw new CtdlError(
          Code.FILE_NOT_FOUND,
          `File './files/${room.dirname}/${name}' not found.`,
        );
      }
      const meta = { mimetype: file.mimetype, description: file.description, mtime: file.mtime };
      await store.write([
        { table: "roomfiles", key: [room.dirname, name], value: null },
        roomFileOp(target.dirname, name, meta, data),
      ]);
      await s.reply(`${Code.OK} File '${name}' has been moved.`);
    },
  },
};
