import { Code, CtdlError } from "../errors.ts";
import { getRoom, mailboxName, RoomFlag } from "../store/rooms.ts";
import type { Reader, Store } from "../store/store.ts";
import type { Room } from "../store/tables.ts";

/** Citadel's mailbox namespace: a room name that starts with a 10-digit user number and '.'. */
const MAILBOX_FORM = /^\d{10}\./;

/** True when `name` has the form of a mailbox room name (`0000000004.Mail`). */
export function isMailboxForm(name: string): boolean {
  return MAILBOX_FORM.test(name.trim());
}

/**
 * Refuses a room name a client chose (CRE8, SETR, RENR) that has the mailbox form: only
 * the server names rooms in a user's namespace, so nobody can create or rename a room into
 * the place where another user's mail would land.
 */
export function checkClientRoomName(name: string): void {
  if (isMailboxForm(name)) {
    throw new CtdlError(
      Code.ILLEGAL_VALUE,
      "Room names that start with a 10-digit number and '.' are reserved for mailboxes.",
    );
  }
}

/**
 * The mailbox room `name` of user `usernum`, only when it really is one: MAILBOX-flagged
 * and named in that user's namespace. A room of that name without the flag (from old data
 * or an import) is never taken for the mailbox.
 */
export async function getMailbox(
  r: Reader | Store,
  usernum: number,
  name: string,
): Promise<Room | null> {
  const room = await getRoom(r, mailboxName(usernum, name));
  return room && (room.flags & RoomFlag.MAILBOX) !== 0 ? room : null;
}
