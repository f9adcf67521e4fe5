import { Code, CtdlError } from "../../errors.ts";
import { fieldText } from "../../message/message.ts";
import { escapeListingLine } from "../../message/render.ts";
import { counterOp, readCounter } from "../../store/control.ts";
import { getMessage } from "../../store/messages.ts";
import { getRoom, roomOp } from "../../store/rooms.ts";
import type { Room } from "../../store/tables.ts";
import { atol } from "../args.ts";
import { currentRoom, roomAideRoom } from "../access.ts";
import { updateVisit } from "../room_state.ts";
import { countPost } from "../post_message.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/** The room banner: the roominfo record, else the text of the `msgnum_info` message. */
async function roomBanner(s: Session, room: Room): Promise<string | null> {
  const store = s.server.store;
  const info = await store.get("roominfo", [room.number]);
  if (info) return new TextDecoder().decode(info);
  if (room.msgnum_info <= 0) return null;
  const msg = await getMessage(store, room.msgnum_info);
  if (!msg) return null;
  let text = fieldText(msg, "M") ?? "";
  // A MIME banner (format 4) carries its headers inside M; the text starts after them.
  if (msg.format === 4) text = text.replace(/^[\s\S]*?\r?\n\r?\n/, "");
  return text;
}

/** The room banner and status: RINF, EINF, STAT, VIEW. */
export const roomInfoCommands: CommandTable = {
  RINF: {
    access: "user",
    async run(s) {
      const room = await currentRoom(s);
      const text = await roomBanner(s, room);
      if (text === null) throw new CtdlError(Code.FILE_NOT_FOUND, "No info file.");
      const lines = text.replace(/\r?\n$/, "").split(/\r?\n/);
      await s.listing("Info:", lines.map(escapeListingLine));
    },
  },
  EINF: {
    access: "user",
    async run(s, args) {
      const room = await roomAideRoom(s);
      if (atol(args[0]) === 0) {
        await s.reply(`${Code.OK} Ok.`);
        return;
      }
      await s.reply(`${Code.SEND_LISTING} Transmit new banner in plain text now.`);
      const lines = await s.readListing(10_000);
      const text = lines.map((l) => l + "\n").join("");
      // Citadel saves the banner as a message and points msgnum_info at it; the number
      // it takes is what GOTO compares with the user's last-read pointer.
      await s.server.store.update(async (r) => {
        const fresh = await getRoom(r, room.name);
        if (!fresh) return { ops: [] };
        const msgnum = (await readCounter(r, "MMhighest")) + 1;
        return {
          ops: [
            { table: "roominfo", key: [room.number], value: new TextEncoder().encode(text) },
            roomOp({ ...fresh, msgnum_info: msgnum }),
            counterOp("MMhighest", msgnum),
          ],
        };
      });
      await countPost(s);
    },
  },
  STAT: {
    access: "user",
    async run(s) {
      const room = await currentRoom(s);
      await s.reply(`${Code.OK} ${room.name}|${room.mtime}|`);
    },
  },
  VIEW: {
    access: "user",
    async run(s, args) {
      const room = await currentRoom(s);
      const view = atol(args[0]);
      await updateVisit(s, room, (v) => ({ ...v, view }));
      await s.reply(`${Code.OK} ok`);
    },
  },
};
