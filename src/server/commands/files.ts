import { CtdlError } from "../../errors.ts";
import { fromBinaryString, toBinaryString } from "../../message/binary_string.ts";
import { fieldBytes } from "../../message/message.ts";
import { decodePart, findPart } from "../../message/mime.ts";
import { readConfig } from "../../store/control.ts";
import { messageInRoom } from "./messages.ts";
import { listRoomFiles, readRoomFile, roomFileOp, statRoomFile } from "../../store/room_files.ts";
import { concat } from "../../store/store.ts";
import { RoomFlag, RoomFlag2 } from "../../store/rooms.ts";
import { AxLevel } from "../../store/users.ts";
import { currentRoom } from "../access.ts";
import type { CommandTable, Session } from "../session.ts";
import type { Download, Upload } from "../session_state.ts";
import { postLocalMessage } from "./_post_message.ts";

/** READ sends at most this much per request (Citadel's SIZ buffer). */
const READ_MAX = 4096;
/** WRIT takes at most this much per request, as Citadel caps it. */
const WRIT_MAX = 100_000;
/** An upload is kept in memory until UCLS 1; this bounds one session's buffer. */
export const UPLOAD_MAX = 256 * 1024 * 1024;

function download(s: Session): Download | undefined {
  return s.state.files.download;
}

/** The open upload of the logged-in user (one left over from a previous login does not count). */
function upload(s: Session): Upload | undefined {
  const u = s.state.files.upload;
  return u && s.user && u.usernum === s.user.usernum ? u : undefined;
}

/** C's atol: leading digits count, anything else is 0. */
function atol(v: string | undefined): number {
  const n = Number.parseInt((v ?? "").trim(), 10);
  return Number.isNaN(n) ? 0 : n;
}

/**
 * A file name from a client: `/` and `\` become `_` as in Citadel, which also keeps a name
 * inside its directory; a name that tries to climb out (`../`) is refused outright.
 */
function fileName(raw: string | undefined): string {
  const name = (raw ?? "").trim();
  if (name === "") throw new CtdlError(571, "You must specify a file name.");
  if (name === ".." || /(^|[/\\])\.\.([/\\]|$)/.test(name)) {
    throw new CtdlError(512, `'${name}' is not a valid file name.`);
  }
  return name.replace(/[/\\]/g, "_");
}

/** The current room if it has a file directory; 560 otherwise. */
async function directoryRoom(s: Session) {
  const room = await currentRoom(s);
  if (!(room.flags & RoomFlag.DIRECTORY) || room.dirname === "") {
    throw new CtdlError(560, "No directory in this room.");
  }
  return room;
}

/** File commands: RDIR, OPEN, READ, CLOS, OPNA, UOPN, WRIT, UCLS. */
export const fileCommands: CommandTable = {
  RDIR: {
    access: "user",
    async run(s) {
      const user = s.requireUser();
      const room = await currentRoom(s);
      if (!(room.flags & RoomFlag.DIRECTORY)) throw new CtdlError(560, "not here.");
      if (
        !(room.flags & RoomFlag.VISDIR) && user.axlevel < AxLevel.AIDE &&
        user.usernum !== room.roomaide
      ) {
        throw new CtdlError(550, "not here.");
      }
      const store = s.server.store;
      const fqdn = await readConfig(store, "c_fqdn", "localhost");
      const files = await listRoomFiles(store, room.dirname);
      // Citadel 902 reads the description from its filedir index, keeping the space that
      // separates it there: the listing shows "name|size|type| description".
      const lines = files.map((f) => `${f.name}|${f.size}|${f.mimetype}| ${f.description}`);
      await s.listing(`${fqdn}|files/${room.dirname}`, lines);
    },
  },
  OPEN: {
    access: "user",
    async run(s, args) {
      const room = await directoryRoom(s);
      const name = fileName(args[0]);
      if (download(s)) throw new CtdlError(552, "You already have a download file open.");
      const store = s.server.store;
      const file = await statRoomFile(store, room.dirname, name);
      if (!file) throw new CtdlError(571, `File '${name}' not found.`);
      const dirname = room.dirname;
      s.state.files.download = {
        size: file.size,
        read: async (offset, length) =>
          await readRoomFile(store, dirname, name, offset, length) ?? new Uint8Array(0),
      };
      // Citadel 902 names every room file application/octet-stream here; RDIR has the type.
      await s.reply(`200 ${file.size}|${file.mtime}|${name}|application/octet-stream`);
    },
  },
  OPNA: {
    access: "user",
    async run(s, args) {
      const msgnum = atol(args[0]);
      const section = (args[1] ?? "").trim();
      const { msg } = await messageInRoom(s, msgnum);
      if (msg.format !== 4) throw new CtdlError(512, "This is not a MIME message.");
      if (download(s)) throw new CtdlError(552, "You already have a download open.");
      const part = section === ""
        ? undefined
        : findPart(toBinaryString(fieldBytes(msg, "M") ?? new Uint8Array()), section);
      const decoded = part ? decodePart(part) : null;
      if (!part || decoded === null) throw new CtdlError(571, `Section ${section} not found.`);
      const data = fromBinaryString(decoded);
      s.state.files.download = {
        size: data.length,
        read: (offset, length) => Promise.resolve(data.subarray(offset, offset + length)),
      };
      // The attachment is a new temporary file for Citadel, so its time is now.
      const now = Math.floor(Date.now() / 1000);
      await s.reply(`200 ${data.length}|${now}|${part.filename}|${part.contentType}`);
    },
  },
  READ: {
    access: "user",
    async run(s, args) {
      const offset = atol(args[0]);
      const length = Math.min(atol(args[1]), READ_MAX);
      if (offset < 0 || length <= 0) throw new CtdlError(512, "you have to specify a value > 0.");
      const dl = download(s);
      if (!dl) throw new CtdlError(553, "You don't have a download file open.");
      const bytes = await dl.read(offset, length);
      if (bytes.length === 0) throw new CtdlError(500, `There is nothing to read at ${offset}.`);
      await s.reply(`600 ${bytes.length}`);
      await s.sendBytes(bytes);
    },
  },
  CLOS: {
    access: "user",
    async run(s) {
      if (!download(s)) throw new CtdlError(553, "You don't have a download file open.");
      s.state.files.download = undefined;
      await s.reply("200 Ok");
    },
  },
  UOPN: {
    access: "user",
    async run(s, args) {
      const user = s.requireUser();
      // Refused before anything is sent: the upload could never be saved anyway.
      s.server.store.writeGuard?.();
      const room = await directoryRoom(s);
      const name = fileName(args[0]);
      if (upload(s)) throw new CtdlError(552, "You already have a upload file open.");
      if (await statRoomFile(s.server.store, room.dirname, name)) {
        throw new CtdlError(574, `'${room.dirname}/${name}' already exists`);
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
      await s.reply("200 Ok");
    },
  },
  WRIT: {
    access: "user",
    async run(s, args) {
      const up = upload(s);
      if (!up) throw new CtdlError(553, "You don't have an upload file open.");
      const n = Math.min(atol(args[0]), WRIT_MAX);
      if (n <= 0) throw new CtdlError(512, "you have to specify a value > 0.");
      if (up.size + n > UPLOAD_MAX) {
        throw new CtdlError(511, `Uploads are limited to ${UPLOAD_MAX} bytes.`);
      }
      await s.reply(`700 ${n}`);
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
      if (!up) throw new CtdlError(553, "You don't have an upload file open.");
      s.state.files.upload = undefined;
      const path = `${up.dirname}/${up.name}`;
      if ((args[0] ?? "").trim() !== "1") {
        await s.reply(`200 File '${path}' aborted.`);
        return;
      }
      const store = s.server.store;
      const now = Math.floor(Date.now() / 1000);
      const data = concat(up.chunks);
      await store.update(async (r) => {
        if (await r.get("roomfiles", [up.dirname, up.name])) {
          throw new CtdlError(574, `'${path}' already exists`);
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
      await s.reply(`200 File '${path}' saved.`);
    },
  },
};
