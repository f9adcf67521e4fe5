import { Code, CtdlError } from "../../errors.ts";
import { fromBinaryString, toBinaryString } from "../../message/binary_string.ts";
import { fieldBytes } from "../../message/message.ts";
import { decodePart, mimeParts } from "../../message/mime.ts";
import { getMessage } from "../../store/messages.ts";
import { getUser } from "../../store/users.ts";
import { currentRoom } from "../access.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/** Sends the picture message `msgnum` points at (its first non-text part), or 571. */
async function sendPicture(s: Session, msgnum: number): Promise<void> {
  const msg = msgnum > 0 ? await getMessage(s.server.store, msgnum) : null;
  const text = msg ? toBinaryString(fieldBytes(msg, "M") ?? new Uint8Array()) : "";
  const part = msg?.format === 4
    ? mimeParts(text).find((p) => !p.contentType.toLowerCase().startsWith("text/"))
    : undefined;
  const decoded = part ? decodePart(part) : null;
  if (!part || decoded === null) throw new CtdlError(Code.FILE_NOT_FOUND, "No image found.");
  const data = fromBinaryString(decoded);
  await s.sendBinary(`600 ${data.length}|${part.contentType}`, data);
}

/**
 * Pictures: DLUI (a user's), DLRI (the current room's), kept as messages (`msgnum_pic`), and
 * OIMG, 902's older picture files, of which ctdlsync has none.
 */
export const pictureCommands: CommandTable = {
  DLUI: {
    access: "user",
    async run(s, _args, raw) {
      const user = await getUser(s.server.store, raw);
      await sendPicture(s, user?.msgnum_pic ?? 0);
    },
  },
  DLRI: {
    access: "user",
    async run(s) {
      await sendPicture(s, (await currentRoom(s)).msgnum_pic);
    },
  },
  OIMG: {
    access: "user",
    run(_s, args) {
      const name = (args[0] ?? "").trim();
      if (name === "") throw new CtdlError(Code.FILE_NOT_FOUND, "You must specify a file name.");
      throw new CtdlError(Code.FILE_NOT_FOUND, `Cannot open ${name}: No such file or directory`);
    },
  },
};
