import { Code, CtdlError } from "../../errors.ts";
import { roomFileOp, statRoomFile } from "../../store/room_files.ts";
import { RoomFlag2 } from "../../store/rooms.ts";
import { concat } from "../../wire/bytes.ts";
import { atol } from "../args.ts";
import { postLocalMessage } from "../post_message.ts";
import { directoryRoom, fileName, filesPath } from "../room_files.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";
import type { Upload } from "../session_state.ts";

/** WRIT takes at most this much per request, as Citadel caps it. */
const WRIT_MAX = 100_000;
/** An upload is kept in memory until UCLS 1; this bounds one session's buffer. */
export const UPLOAD_MAX = 256 * 1024 * 1024;

/** The open upload of the logged-in user (one left over from a previous login does not count). */
function upload(s: Session): Upload | undefined {
  const u = s.state.files.upload;
  return u && s.user && u.usernum === s.user.usernum ? u : undefined;
}

/** Uploads: UOPN, WRIT, UCLS. */
export const uploadCommands: CommandTable = {
  UOPN: {
    access: "user",
    async run(s, args) {
      const user = s.requireUser();
      // Refused before anything is sent: the upload could never be saved anyway.
      s.server.store.writeGuard?.();
      const room = await directoryRoom(s);
      const name = fileName(args[0]);
      if (upload(s)) {
        throw new CtdlError(Code.RESOURCE_BUSY, "You already have a upload file open.");
      }
      if (await statRoomFile(s.server.store, room.dirname, name)) {
        throw new CtdlError(
          Code.ALREADY_EXISTS,
          `'${filesPath(s, room.dirname, name)}' already exists`,
        );
      }
      s.state.files.upload = {
        usernum: user.usernum,
        room: room.name,
        flags2: room.flags2,
        dirname: room.dirname,
        name,
        mimetype: (args[1] ?? "").trim() || "application/octet-stream",
        comment: (args[2] ?? "").trim(),
        chunks: [],
        size: 0,
      };
      await s.reply(`${Code.OK} Ok`);
    },
  },
  WRIT: {
    access: "user",
    async run(s, args) {
      const up = upload(s);
      if (!up) throw new CtdlError(Code.RESOURCE_NOT_OPEN, "You don't have an upload file open.");
      const n = Math.min(atol(args[0]), WRIT_MAX);
      if (n <= 0) throw new CtdlError(Code.ILLEGAL_VALUE, "you have to specify a value > 0.");
      if (up.size + n > UPLOAD_MAX) {
        throw new CtdlError(Code.TOO_BIG, `Uploads are limited to ${UPLOAD_MAX} bytes.`);
      }
      await s.reply(`${Code.SEND_BINARY} ${n}`);
      const bytes = await s.readBytes(n, "an upload");
      if (bytes === null) {
        // The client went away mid-upload: nothing of it is kept.
        s.state.files.upload = undefined;
        return;
      }
      up.chunks.push(bytes);
      up.size += bytes.length;
    },
  },
  UCLS: {
    access: "user",
    async run(s, args) {
      const up = upload(s);
      if (!up) throw new CtdlError(Code.RESOURCE_NOT_OPEN, "You don't have an upload file open.");
      s.state.files.upload = undefined;
      const path = filesPath(s, up.dirname, up.name);
      if ((args[0] ?? "").trim() !== "1") {
        await s.reply(`${Code.OK} File '${path}' aborted.`);
        return;
      }
      const store = s.server.store;
      const now = Math.floor(Date.now() / 1000);
      const data = concat(up.chunks);
      await store.update(async (r) => {
        if (await r.get("roomfiles", [up.dirname, up.name])) {
          throw new CtdlError(Code.ALREADY_EXISTS, `'${path}' already exists`);
        }
        const meta = { mimetype: up.mimetype, description: up.comment, mtime: now };
        return { ops: [roomFileOp(up.dirname, up.name, meta, data)] };
      });
      if (!(up.flags2 & RoomFlag2.NOUPLMSG)) {
        // Citadel's upload notice (a quickie_message): author, room and node, no subject.
        await postLocalMessage(s, [up.room], {
          fields: {
            P: s.user!.fullname,
            A: s.user!.fullname,
            O: up.room,
            M: `NEW UPLOAD: '${up.name}'\n ${up.comment}\n${up.mimetype}\n`,
          },
        });
      }
      await s.reply(`${Code.OK} File '${path}' saved.`);
    },
  },
};
