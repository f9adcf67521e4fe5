import { fromBinaryString, toBinaryString } from "../message/binary_string.ts";
import { fieldBytes } from "../message/message.ts";
import { getMessage } from "../store/messages.ts";
import { roomMessages } from "../store/rooms.ts";
import type { User } from "../store/tables.ts";
import { postSystemMessage } from "./post_message.ts";
import type { Session } from "./session.ts";
import { userConfigRoom } from "./user_config.ts";

/** The registration card's fields, in REGI's order. */
export interface Card {
  name: string;
  street: string;
  city: string;
  state: string;
  zip: string;
  phone: string;
  email: string;
  country: string;
}

const CARD_TYPE = "text/x-vcard";

/** The card 902 shows for a user who never registered: built from the name alone. */
export function defaultCard(user: User, email: string): Card {
  const words = user.fullname.trim().split(/\s+/);
  const last = words.length > 1 ? words.pop()! : "";
  return {
    name: `${last};${words.join(" ")};;;`,
    street: "_",
    city: "_",
    state: "_",
    zip: "00000",
    phone: " ",
    email,
    country: "__",
  };
}

export function cardVcard(c: Card): string {
  return `Content-type: ${CARD_TYPE}\n\nBEGIN:vCard\nVERSION:2.1\nN:${c.name}\n` +
    `ADR:;;${c.street};${c.city};${c.state};${c.zip};${c.country}\nTEL;home:${c.phone}\n` +
    `EMAIL;internet:${c.email}\nEND:vCard\n`;
}

function parseVcard(text: string): Card | null {
  const prop = (name: string) =>
    new RegExp(`^${name}[^:\\n]*:(.*)$`, "im").exec(text)?.[1]?.replace(/\r$/, "") ?? "";
  if (!/BEGIN:vCard/i.test(text)) return null;
  const adr = prop("ADR").split(";");
  return {
    name: prop("N"),
    street: adr[2] ?? "",
    city: adr[3] ?? "",
    state: adr[4] ?? "",
    zip: adr[5] ?? "",
    country: adr[6] ?? "",
    phone: prop("TEL"),
    email: prop("EMAIL"),
  };
}

/** The user's registration card message in their config room, if any. */
export async function findCard(
  s: Session,
  user: User,
): Promise<{ msgnum: number; card: Card } | null> {
  const store = s.server.store;
  const room = await userConfigRoom(store, user);
  for (const n of (await roomMessages(store, room.number)).reverse()) {
    const msg = await getMessage(store, n);
    const text = msg ? toBinaryString(fieldBytes(msg, "M") ?? new Uint8Array()) : "";
    if (!text.toLowerCase().startsWith(`content-type: ${CARD_TYPE}`)) continue;
    const card = parseVcard(new TextDecoder().decode(fromBinaryString(text)));
    if (card) return { msgnum: n, card };
  }
  return null;
}

/** Saves `card` as the user's registration card (replacing none: see REGI). */
export async function saveCard(s: Session, user: User, card: Card): Promise<void> {
  const room = await userConfigRoom(s.server.store, user);
  await postSystemMessage(s, room.name, {
    format: 4,
    fields: { U: "Registration", M: cardVcard(card) },
  });
}
