import { Code, CtdlError } from "../../errors.ts";
import { fromBinaryString, toBinaryString } from "../../message/binary_string.ts";
import { fieldBytes } from "../../message/message.ts";
import { escapeListingLine } from "../../message/render.ts";
import { deleteFromRoom, getMessage } from "../../store/messages.ts";
import { getUser, updateUser } from "../../store/users.ts";
import { postSystemMessage } from "../post_message.ts";
import type { CommandTable } from "../command.ts";
import { userConfigRoom } from "../user_config.ts";

/** The largest bio EBIO keeps (Citadel reads it with the site's message limit). */
const MAX_BIO_BYTES = 64 * 1024;

/** A bio message's text: the body after its MIME headers, as lines of a binary string. */
function bioLines(m: Uint8Array): string[] {
  const text = toBinaryString(m).replace(/^[\s\S]*?\r?\n\r?\n/, "").replace(/\r?\n$/, "");
  return text === "" ? [] : text.split(/\r?\n/);
}

/** User profiles: EBIO (write one's own) and RBIO (read anyone's). */
export const bioCommands: CommandTable = {
  EBIO: {
    access: "user",
    async run(s) {
      const user = await s.refreshUser();
      const room = await userConfigRoom(s.server.store, user);
      await s.reply(`${Code.SEND_LISTING} Transmit user profile in plain text now.`);
      const lines = await s.readText({ maxBytes: MAX_BIO_BYTES, binary: true });
      const head = "Content-type: text/plain; charset=UTF-8\nContent-transfer-encoding: 8bit\n\n";
      const body = head + lines.map((l) => l + "\n").join("");
      const msgnum = await postSystemMessage(s, room.name, {
        format: 4,
        fields: { U: "Profile submitted with EBIO command", M: fromBinaryString(body) },
      });
      const old = user.msgnum_bio;
      await updateUser(s.server.store, user.fullname, (u) => ({ ...u, msgnum_bio: msgnum }));
      if (old > 0) {
        await deleteFromRoom(s.server.store, room.name, old).catch(() => {/* already gone */});
      }
      await s.refreshUser();
    },
  },
  RBIO: {
    access: "user",
    async run(s, _args, raw) {
      const store = s.server.store;
      const u = await getUser(store, raw);
      if (!u) throw new CtdlError(Code.NO_SUCH_USER, "No such user.");
      const msg = u.msgnum_bio > 0 ? await getMessage(store, u.msgnum_bio) : null;
      const m = msg ? fieldBytes(msg, "M") : undefined;
      if (!m) throw new CtdlError(Code.FILE_NOT_FOUND, `${u.fullname} has no bio on file.`);
      const header = `OK|${u.fullname}|${u.usernum}|${u.axlevel}|${u.lastcall}|` +
        `${u.timescalled}|${u.posted}`;
      await s.binaryListing(header, bioLines(m).map(escapeListingLine));
    },
  },
};
