import { Code, CtdlError } from "../errors.ts";
import { toBinaryString } from "../message/binary_string.ts";
import { type CitadelMessage, fieldBytes } from "../message/message.ts";
import { getMessage } from "../store/messages.ts";
import type { Room } from "../store/tables.ts";
import { currentRoom } from "./access.ts";
import type { Session } from "./session.ts";

/** A message of the current room; 550 when it is not in the room, as Citadel answers. */
export async function messageInRoom(
  s: Session,
  msgnum: number,
): Promise<{ room: Room; msg: CitadelMessage }> {
  const room = await currentRoom(s);
  const store = s.server.store;
  if (msgnum <= 0 || !await store.get("msglists", [room.number, msgnum])) {
    throw new CtdlError(
      Code.HIGHER_ACCESS_REQUIRED,
      `message ${msgnum} was not found in this room`,
    );
  }
  const msg = await getMessage(store, msgnum);
  if (!msg) throw new CtdlError(Code.MESSAGE_NOT_FOUND, `Can't locate msg ${msgnum} on disk`);
  return { room, msg };
}

/** A field as stored (binary string), "" when absent. */
export function rawField(msg: CitadelMessage, type: string): string {
  const b = fieldBytes(msg, type);
  return b ? toBinaryString(b) : "";
}
