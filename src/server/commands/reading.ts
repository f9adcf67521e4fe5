import { Code, CtdlError } from "../../errors.ts";
import { fromBinaryString, toBinaryString } from "../../message/binary_string.ts";
import { embeddedMessage } from "../../message/embedded.ts";
import { fieldBytes } from "../../message/message.ts";
import { decodePart, findPart } from "../../message/mime.ts";
import { renderMsg0, renderMsg2, renderMsg4 } from "../../message/render.ts";
import { readConfig } from "../../store/control.ts";
import { atol } from "../args.ts";
import { isRoomAide } from "../access.ts";
import { messageInRoom } from "../message_access.ts";
import type { CommandTable } from "../command.ts";

/** Reading messages: MSG0, MSG2, MSG4, DLAT. */
export const readingCommands: CommandTable = {
  DLAT: {
    access: "user",
    async run(s, args) {
      const { msg } = await messageInRoom(s, atol(args[0]));
      const section = (args[1] ?? "").trim();
      if (msg.format !== 4) throw new CtdlError(Code.ILLEGAL_VALUE, "This is not a MIME message.");
      const part = findPart(toBinaryString(fieldBytes(msg, "M") ?? new Uint8Array()), section);
      const decoded = part ? decodePart(part) : null;
      if (!part || decoded === null) {
        throw new CtdlError(Code.FILE_NOT_FOUND, `Section ${section} not found.`);
      }
      const data = fromBinaryString(decoded);
      await s.sendBinary(
        `600 ${data.length}|-1|${part.filename}|${part.contentType}|${part.charset}`,
        data,
      );
    },
  },
  MSG0: {
    access: "user",
    async run(s, args) {
      const { room, msg } = await messageInRoom(s, atol(args[0]));
      const lines = renderMsg0(msg, {
        headers: atol(args[1]),
        roomAide: isRoomAide(s.requireUser(), room),
      });
      await s.binaryListing("msg:", lines);
    },
  },
  MSG2: {
    access: "user",
    async run(s, args) {
      const { room, msg } = await messageInRoom(s, atol(args[0]));
      const store = s.server.store;
      const lines = renderMsg2(msg, {
        headers: atol(args[1]),
        roomAide: isRoomAide(s.requireUser(), room),
        nodename: await readConfig(store, "c_nodename", "ctdlsync"),
        fqdn: await readConfig(store, "c_fqdn", "localhost"),
      });
      await s.binaryListing("msg:", lines);
    },
  },
  MSG4: {
    access: "user",
    async run(s, args) {
      const msgnum = atol(args[0]);
      const { room, msg } = await messageInRoom(s, msgnum);
      const section = (args[1] ?? "").trim();
      const shown = embeddedMessage(msg, section);
      if (!shown) {
        throw new CtdlError(Code.MESSAGE_NOT_FOUND, `msg ${msgnum} has no part ${section}`);
      }
      const lines = renderMsg4(shown, {
        roomAide: isRoomAide(s.requireUser(), room),
        preferred: s.preferredTypes,
        dontDecode: s.msg4DontDecode,
      });
      await s.binaryListing("msg:", lines);
    },
  },
};
