import { CtdlError } from "../../errors.ts";
import { embeddedMessage } from "../../message/embedded.ts";
import { renderMsg0, renderMsg2, renderMsg4 } from "../../message/render.ts";
import { readConfig } from "../../store/control.ts";
import { atol } from "../args.ts";
import { isRoomAide } from "../access.ts";
import { messageInRoom } from "../message_access.ts";
import type { CommandTable } from "../session.ts";

/** Reading messages: MSG0, MSG2, MSG4. */
export const readingCommands: CommandTable = {
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
      if (!shown) throw new CtdlError(575, `msg ${msgnum} has no part ${section}`);
      const lines = renderMsg4(shown, {
        roomAide: isRoomAide(s.requireUser(), room),
        preferred: s.preferredTypes,
        dontDecode: s.msg4DontDecode,
      });
      await s.binaryListing("msg:", lines);
    },
  },
};
