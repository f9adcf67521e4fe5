import { CtdlError } from "../errors.ts";
import { createRoom, getRoom, mailboxName, RoomFlag, View } from "../store/rooms.ts";
import type { Store } from "../store/store.ts";
import type { User } from "../store/tables.ts";

/**
 * The personal rooms Citadel 902 makes for every account: Mail, Sent Items, Trash, Drafts,
 * Calendar, Contacts, Notes and Tasks, private rooms in the user's own namespace.
 */
export async function createPersonalRooms(store: Store, user: User): Promise<void> {
  const rooms: [string, number][] = [
    ["Mail", View.MAILBOX],
    ["Sent Items", View.MAILBOX],
    ["Trash", View.MAILBOX],
    ["Drafts", View.MAILBOX],
    ["Calendar", View.CALENDAR],
    ["Contacts", View.ADDRESSBOOK],
    ["Notes", View.NOTES],
    ["Tasks", View.TASKS],
  ];
  for (const [name, view] of rooms) {
    const full = mailboxName(user.usernum, name);
    if (await getRoom(store, full)) continue;
    await createRoom(store, {
      name: full,
      flags: RoomFlag.INUSE | RoomFlag.PRIVATE | RoomFlag.MAILBOX,
      order: 0,
      defaultview: view,
    }).catch((e) => {
      // Another session of the same user made it first.
      if (!(e instanceof CtdlError && e.code === 574)) throw e;
    });
  }
}
