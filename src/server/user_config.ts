import { getRoom, mailboxName, RoomFlag, RoomFlag2 } from "../store/rooms.ts";
import { createRoom } from "../store/rooms.ts";
import type { Store } from "../store/store.ts";
import type { Room, User } from "../store/tables.ts";

/** Citadel's USERCONFIGROOM: where a user's bio and registration card are kept. */
export const USER_CONFIG_ROOM = "My Citadel Config";

/** The user's own config room, made (hidden, as 902 makes it) the first time it is needed. */
export async function userConfigRoom(store: Store, user: User): Promise<Room> {
  const name = mailboxName(user.usernum, USER_CONFIG_ROOM);
  const room = await getRoom(store, name);
  if (room) return room;
  return await createRoom(store, {
    name,
    flags: RoomFlag.INUSE | RoomFlag.PRIVATE | RoomFlag.MAILBOX,
    flags2: RoomFlag2.SYSTEM,
    order: 0,
  });
}
