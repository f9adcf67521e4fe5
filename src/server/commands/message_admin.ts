import { Code, CtdlError } from "../../errors.ts";
import { toBinaryString } from "../../message/binary_string.ts";
import { deleteFromRoom, getMessage, linkToRoom } from "../../store/messages.ts";
import { RoomFlag2 } from "../../store/rooms.ts";
import { TABLES } from "../../store/tables.ts";
import { atol } from "../args.ts";
import { currentRoom, mailboxOwner, resolveRoom, roomAccess, UA } from "../access.ts";
import { rawField } from "../message_access.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/**
 * MOVE msgnums|room|copy: copies messages of the current room into another room, and
 * unless `copy` takes them out of this one. Moving needs the right to delete here; both
 * need the right to post there.
 */
async function moveMessages(s: Session, args: string[]): Promise<void> {
  const store = s.server.store;
  const user = s.requireUser();
  const room = await currentRoom(s);
  const targetName = args[1] ?? "";
  const target = await resolveRoom(store, user, targetName);
  if (!target) throw new CtdlError(Code.ROOM_NOT_FOUND, `'${targetName}' does not exist.`);
  if (target.number === room.number) {
    throw new CtdlError(Code.ALREADY_EXISTS, "Source and target rooms are the same.");
  }
  const copy = atol(args[2]) !== 0;
  const here = (await roomAccess(store, user, room)).ua;
  const there = (await roomAccess(store, user, target)).ua;
  const mayTake = (here & UA.ADMINALLOWED) !== 0 || mailboxOwner(room) === user.usernum;
  if (!mayTake || !(there & UA.POSTALLOWED)) {
    throw new CtdlError(Code.HIGHER_ACCESS_REQUIRED, "Higher access required.");
  }
  const nums = (args[0] ?? "").split(",").map(atol).filter((n) => n > 0);
  let done = 0;
  for (const n of nums) {
    if (!await store.get("msglists", [room.number, n])) continue;
    await linkToRoom(store, target.name, n);
    if (!copy) await deleteFromRoom(store, room.name, n);
    done++;
  }
  if (done === 0) throw new CtdlError(Code.MESSAGE_NOT_FOUND, "Message not found.");
  await s.reply(`${Code.OK} Message(s) ${copy ? "copied" : "moved"}.`);
}

/** Deleting, moving and finding messages: DELE, MOVE, EUID. */
export const messageAdminCommands: CommandTable = {
  MOVE: { access: "user", run: moveMessages },
  DELE: {
    access: "user",
    async run(s, args) {
      const user = s.requireUser();
      const nums = (args[0] ?? "").split(",").map((t) => t.trim()).filter((t) => t !== "")
        .map(atol);
      if (nums.length === 0) throw new CtdlError(Code.MESSAGE_NOT_FOUND, "Message not found.");
      const store = s.server.store;
      const room = await currentRoom(s);
      const { ua } = await roomAccess(store, user, room);
      // Aides, the room aide and a mailbox's owner may delete anything; in a collaborative
      // delete room (QR2_COLLABDEL) a poster may delete their own messages.
      const anything = (ua & UA.ADMINALLOWED) !== 0 || mailboxOwner(room) === user.usernum;
      const own = !anything && (room.flags2 & RoomFlag2.COLLABDEL) !== 0 &&
        (ua & UA.DELETEALLOWED) !== 0;
      if (!anything && !own) {
        throw new CtdlError(Code.HIGHER_ACCESS_REQUIRED, "Higher access required.");
      }
      const present: number[] = [];
      for (const n of nums) {
        if (n <= 0 || !await store.get("msglists", [room.number, n])) continue;
        if (own) {
          const msg = await getMessage(store, n);
          if (
            !msg || rawField(msg, "A") !== toBinaryString(new TextEncoder().encode(user.fullname))
          ) {
            throw new CtdlError(Code.HIGHER_ACCESS_REQUIRED, "Higher access required.");
          }
        }
        if (!present.includes(n)) present.push(n);
      }
      let deleted = 0;
      for (const n of present) {
        try {
          await deleteFromRoom(store, room.name, n);
          deleted++;
        } catch (e) {
          if (!(e instanceof CtdlError && e.code === 575)) throw e;
        }
      }
      if (deleted === 0) throw new CtdlError(Code.MESSAGE_NOT_FOUND, "Message not found.");
      await s.reply(`${Code.OK} ${deleted} message${deleted === 1 ? "" : "s"} deleted.`);
    },
  },
  EUID: {
    access: "user",
    async run(s, _args, rawArgs) {
      const room = await currentRoom(s);
      const euid = rawArgs.split("|")[0];
      const store = s.server.store;
      const held = await store.get("euidindex", [room.number, euid]);
      const msgnum = held ? TABLES.euidindex.codec.decode(held) : 0;
      if (msgnum <= 0 || !await store.get("msglists", [room.number, msgnum])) {
        throw new CtdlError(Code.MESSAGE_NOT_FOUND, "not found");
      }
      await s.reply(`${Code.OK} ${msgnum}`);
    },
  },
};
