import { Code, CtdlError } from "../../errors.ts";
import { fromBinaryString, toBinaryString } from "../../message/binary_string.ts";
import { fieldBytes } from "../../message/message.ts";
import { decodePart, findPart } from "../../message/mime.ts";
import { readConfig } from "../../store/control.ts";
import { listRoomFiles, readRoomFile, statRoomFile } from "../../store/room_files.ts";
import { RoomFlag } from "../../store/rooms.ts";
import { atol } from "../args.ts";
import { currentRoom, isRoomAide } from "../access.ts";
import { messageInRoom } from "../message_access.ts";
import { directoryRoom, fileName, filesPath } from "../room_files.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";
import type { Download } from "../session_state.ts";

/** READ sends at most this much per request (Citadel's SIZ buffer). */
const READ_MAX = 4096;

function download(s: Session): Download | undefined {
  return s.state.files.download;
}

/** Downloads: RDIR, OPEN, OPNA, READ, CLOS. */
export const downloadCommands: CommandTable = {
  RDIR: {
    access: "user",
    async run(s) {
      const user = s.requireUser();
      const room = await currentRoom(s);
      if (!(room.flags & RoomFlag.DIRECTORY)) throw new CtdlError(Code.NOT_HERE, "not here.");
      if (!(room.flags & RoomFlag.VISDIR) && !isRoomAide(user, room)) {
        throw new CtdlError(Code.HIGHER_ACCESS_REQUIRED, "not here.");
      }
      const store = s.server.store;
      const fqdn = await readConfig(store, "c_fqdn", "localhost");
      const files = await listRoomFiles(store, room.dirname);
      // Citadel 902 reads the description from its filedir index, keeping the space that
      // separates it there: the listing shows "name|size|type| description".
      const lines = files.map((f) => `${f.name}|${f.size}|${f.mimetype}| ${f.description}`);
      await s.listing(`${fqdn}|${filesPath(s, room.dirname)}`, lines);
    },
  },
  OPEN: {
    access: "user",
    async run(s, args) {
      const room = await directoryRoom(s);
      const name = fileName(args[0]);
      if (download(s)) {
        throw new CtdlError(Code.RESOURCE_BUSY, "You already have a download file open.");
      }
      const store = s.server.store;
      const file = await statRoomFile(store, room.dirname, name);
      if (!file) {
        throw new CtdlError(
          510,
          `cannot open ${filesPath(s, room.dirname, name)}: No such file or directory`,
        );
      }
      const dirname = room.dirname;
      s.state.files.download = {
        size: file.size,
        read: async (offset, length) =>
          await readRoomFile(store, dirname, name, offset, length) ?? new Uint8Array(0),
      };
      // Citadel 902 names every room file application/octet-stream here; RDIR has the type.
      await s.reply(`${Code.OK} ${file.size}|${file.mtime}|${name}|application/octet-stream`);
    },
  },
  OPNA: {
    access: "user",
    async run(s, args) {
      const msgnum = atol(args[0]);
      const section = (args[1] ?? "").trim();
      const { msg } = await messageInRoom(s, msgnum);
      if (msg.format !== 4) throw new CtdlError(Code.ILLEGAL_VALUE, "This is not a MIME message.");
      if (download(s)) throw new CtdlError(Code.RESOURCE_BUSY, "You already have a download open.");
      const part = section === ""
        ? undefined
        : findPart(toBinaryString(fieldBytes(msg, "M") ?? new Uint8Array()), section);
      const decoded = part ? decodePart(part) : null;
      if (!part || decoded === null) {
        throw new CtdlError(Code.FILE_NOT_FOUND, `Section ${section} not found.`);
      }
      const data = fromBinaryString(decoded);
      s.state.files.download = {
        size: data.length,
        read: (offset, length) => Promise.resolve(data.subarray(offset, offset + length)),
      };
      // The attachment is a new temporary file for Citadel, so its time is now.
      const now = Math.floor(Date.now() / 1000);
      await s.reply(`${Code.OK} ${data.length}|${now}|${part.filename}|${part.contentType}`);
    },
  },
  READ: {
    access: "user",
    async run(s, args) {
      const offset = atol(args[0]);
      const length = Math.min(atol(args[1]), READ_MAX);
      if (offset < 0 || length <= 0) {
        throw new CtdlError(Code.ILLEGAL_VALUE, "you have to specify a value > 0.");
      }
      const dl = download(s);
      if (!dl) throw new CtdlError(Code.RESOURCE_NOT_OPEN, "You don't have a download file open.");
      const bytes = await dl.read(offset, length);
      if (bytes.length === 0) {
        throw new CtdlError(Code.ERROR, `There is nothing to read at ${offset}.`);
      }
      await s.sendBinary(`600 ${bytes.length}`, bytes);
    },
  },
  CLOS: {
    access: "user",
    async run(s) {
      if (!download(s)) {
        throw new CtdlError(Code.RESOURCE_NOT_OPEN, "You don't have a download file open.");
      }
      s.state.files.download = undefined;
      await s.reply(`${Code.OK} Ok`);
    },
  },
};
