import { decodePart, mimeParts } from "../message/mime.ts";
import { type SavedVcard, vcardBeforeSave } from "../message/vcard.ts";
import { readConfig } from "../store/control.ts";
import { contentTypeOf, deleteFromRoom, getMessage } from "../store/messages.ts";
import { RoomFlag, roomMessages, View } from "../store/rooms.ts";
import type { Room } from "../store/tables.ts";
import { getUserByNumber } from "../store/users.ts";
import type { Session } from "./session.ts";
import { USER_CONFIG_ROOM } from "./user_config.ts";

/** A vCard post as 902 saves it, and the config room's owner when it goes there. */
export interface VcardPost extends SavedVcard {
  /** Set for a user's own config room: the card is that user's, under their name. */
  owner?: string;
}

const VCARD_TYPE = /^text\/(x-)?vcard$/i;

/**
 * Citadel 902's vCard before-save hook for a format-4 post into `room`: in a room viewed as
 * an address book, or a user's "My Citadel Config" room, the last vCard part of `body`
 * (binary string) replaces the whole text, re-serialised (see message/vcard.ts). Null
 * where 902 leaves the post as it is.
 */
export async function vcardPost(s: Session, room: Room, body: string): Promise<VcardPost | null> {
  const configRoom = (room.flags & RoomFlag.MAILBOX) !== 0 &&
    room.name.slice(11).toLowerCase() === USER_CONFIG_ROOM.toLowerCase();
  if (!configRoom && room.defaultview !== View.ADDRESSBOOK) return null;
  if (body === "") return null;
  const part = mimeParts(body).findLast((p) => VCARD_TYPE.test(p.contentType));
  const card = part ? decodePart(part) : null;
  if (card === null) return null;
  if (!configRoom) return vcardBeforeSave(card, crypto.randomUUID());
  const store = s.server.store;
  const owner = await getUserByNumber(store, Number.parseInt(room.name, 10));
  if (!owner) return vcardBeforeSave(card, crypto.randomUUID());
  // 902 keeps one card per config room, named for the owner, with a free/busy URL.
  const fqdn = await readConfig(store, "c_fqdn", "");
  const node = await readConfig(store, "c_nodename", "");
  const url = `http://${fqdn}/${owner.fullname}.vfb`.replaceAll(" ", "_");
  const uid = `Citadel vCard: personal card for ${owner.fullname} at ${node}`;
  return { ...vcardBeforeSave(card, uid, url), owner: owner.fullname };
}

/** Removes the vCards a config room holds before its owner's new one is saved (902). */
export async function dropOldCards(s: Session, room: Room): Promise<void> {
  const store = s.server.store;
  for (const n of await roomMessages(store, room.number)) {
    const msg = await getMessage(store, n);
    if (msg && VCARD_TYPE.test(contentTypeOf(msg))) await deleteFromRoom(store, room.name, n);
  }
}
