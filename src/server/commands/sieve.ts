import { Code, CtdlError } from "../../errors.ts";
import { fromBinaryString, toBinaryString } from "../../message/binary_string.ts";
import { fieldBytes, fieldText } from "../../message/message.ts";
import { escapeListingLine } from "../../message/render.ts";
import { deleteFromRoom, getMessage } from "../../store/messages.ts";
import { roomMessages } from "../../store/rooms.ts";
import { postSystemMessage } from "../post_message.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";
import { userConfigRoom } from "../user_config.ts";

/** Sieve scripts are messages in the user's config room, named by this subject prefix. */
const PREFIX = "Sieve script: ";

/** The user's scripts: name to message number (the newest of a name wins). */
async function scripts(s: Session): Promise<{ room: string; byName: Map<string, number> }> {
  const store = s.server.store;
  const room = await userConfigRoom(store, s.requireUser());
  const byName = new Map<string, number>();
  for (const n of await roomMessages(store, room.number)) {
    const msg = await getMessage(store, n);
    const subject = msg ? fieldText(msg, "U") ?? "" : "";
    if (subject.startsWith(PREFIX)) byName.set(subject.slice(PREFIX.length), n);
  }
  return { room: room.name, byName };
}

/** A script name from a client: letters, digits and a few marks, as 902 accepts them. */
function scriptName(raw: string | undefined): string {
  const name = (raw ?? "").trim();
  if (!/^[A-Za-z0-9_.\- ]{1,64}$/.test(name)) {
    throw new CtdlError(Code.ILLEGAL_VALUE, "Invalid script name.");
  }
  return name;
}

/** putscript: stores the script the client sends next, replacing one of the same name. */
async function putScript(
  s: Session,
  room: string,
  name: string,
  held: number | undefined,
): Promise<void> {
  await s.reply(`${Code.SEND_LISTING} Transmit script now`);
  const lines = await s.readText({ maxBytes: 256 * 1024, binary: true });
  const body = lines.map((l) => l + "\n").join("");
  await postSystemMessage(s, room, { fields: { U: PREFIX + name, M: fromBinaryString(body) } });
  if (held) await deleteFromRoom(s.server.store, room, held).catch(() => {});
}

/** MSIV's sub-commands on a script the user has: its room and message number. */
const HELD_SCRIPT_COMMANDS: Record<
  string,
  (s: Session, room: string, held: number) => Promise<void>
> = {
  async getscript(s, _room, held) {
    const msg = await getMessage(s.server.store, held);
    const text = toBinaryString(msg ? fieldBytes(msg, "M") ?? new Uint8Array() : new Uint8Array());
    const lines = text.replace(/\n$/, "").split("\n").map(escapeListingLine);
    await s.binaryListing("Script:", text === "" ? [] : lines);
  },
  async deletescript(s, room, held) {
    await deleteFromRoom(s.server.store, room, held);
    await s.reply(`${Code.OK} ok`);
  },
};

/**
 * MSIV: a user's Sieve mail filters (listscripts, putscript, getscript, deletescript).
 * ctdlsync keeps them, byte for byte, and does not run them.
 */
export const sieveCommands: CommandTable = {
  MSIV: {
    access: "user",
    async run(s, args) {
      const sub = (args[0] ?? "").toLowerCase();
      if (sub === "listscripts") {
        const { byName } = await scripts(s);
        return await s.listing("Scripts:", [...byName.keys()].map((n) => `${n}|0|`));
      }
      const name = scriptName(args[1]);
      const { room, byName } = await scripts(s);
      const held = byName.get(name);
      if (sub === "putscript") return await putScript(s, room, name, held);
      // The name is checked first: an unknown name gets the name error, whatever the verb.
      if (held === undefined) throw new CtdlError(Code.ILLEGAL_VALUE, "Invalid script name.");
      if (!Object.hasOwn(HELD_SCRIPT_COMMANDS, sub)) {
        throw new CtdlError(Code.ILLEGAL_VALUE, "Invalid subcommand");
      }
      await HELD_SCRIPT_COMMANDS[sub](s, room, held);
    },
  },
};
