import { AnonType, type CitadelMessage, newMessage } from "../message/message.ts";
import { readConfig, readCounter } from "../store/control.ts";
import { postMessage, type PostResult } from "../store/messages.ts";
import type { Store } from "../store/store.ts";
import { updateUser } from "../store/users.ts";
import type { Session } from "./session.ts";

/** Per store: the tail of the chain of local posts, so they run one after another. */
const chains = new WeakMap<Store, Promise<unknown>>();

/** Runs `fn` after every local post already queued for `store`. */
function serialised<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  const run = (chains.get(store) ?? Promise.resolve()).then(fn);
  chains.set(store, run.catch(() => {}));
  return run;
}

/** Citadel's message id: `<time hex>-<msgnum hex>@<c_fqdn>` (send_message's "%08lX-%08lX@%s"). */
export function messageId(time: number, msgnum: number, fqdn: string): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");
  return `${hex(time)}-${hex(msgnum)}@${fqdn}`;
}

/**
 * Counts a saved message as the logged-in user's post, as 902's CtdlSubmitMsg does for
 * every message saved in a session: their own posts, and what the server writes for them
 * (notices of their actions, bios, registration cards).
 */
export async function countPost(s: Session): Promise<void> {
  if (!s.user) return;
  const name = s.user.fullname;
  await updateUser(s.server.store, name, (u) => ({ ...u, posted: u.posted + 1 }));
  s.user = { ...s.user, posted: s.user.posted + 1 };
}

/** What a session posts: header bytes and the fields it chose (I, T, N, H are filled in). */
export interface LocalPost {
  anon?: number;
  format?: number;
  /** Field values by letter: text (UTF-8 encoded) or the bytes to store. */
  fields: Record<string, string | Uint8Array>;
}

/**
 * Saves a message written on this server into `rooms` (the first room decides EUID
 * replacement), as Citadel's CtdlSubmitMsg does for a logged-in user: it gets a message id
 * (I) built from the time and its number, a time stamp (T), the node names (N, H) unless
 * given, and the poster's `posted` counter goes up by one.
 *
 * The number in the id is the one the post is about to get. Local posts of one store are
 * serialised so two of them cannot guess the same number; a message arriving at the same
 * moment from a sync pull could still take it, and then only the id's number is off (ids
 * stay unique by their time part and the next number).
 */
export function postLocalMessage(
  s: Session,
  rooms: string[],
  post: LocalPost,
): Promise<PostResult & { msg: CitadelMessage }> {
  const store = s.server.store;
  return serialised(store, async () => {
    const now = Math.floor(Date.now() / 1000);
    const fqdn = await readConfig(store, "c_fqdn", "localhost");
    const next = (await readCounter(store, "MMhighest")) + 1;
    const fields: Record<string, string | Uint8Array> = {
      I: messageId(now, next, fqdn),
      T: String(now),
      N: await readConfig(store, "c_nodename", "ctdlsync"),
      ...post.fields,
    };
    for (const [k, v] of Object.entries(fields)) if (v === "") delete fields[k];
    const msg = newMessage({
      anon: post.anon ?? AnonType.NORMAL,
      format: post.format ?? 0,
      fields,
    });
    const result = await postMessage(store, rooms, msg);
    if (result.msgnum > 0) await countPost(s);
    return { ...result, msg };
  });
}

/**
 * Saves a message written by the server itself ("Citadel"): Aide notices, bios, registration
 * cards. Returns its number.
 */
export function postSystemMessage(
  s: Session,
  room: string,
  post: { format?: number; fields: Record<string, string | Uint8Array> },
): Promise<number> {
  const store = s.server.store;
  return serialised(store, async () => {
    const now = Math.floor(Date.now() / 1000);
    const fqdn = await readConfig(store, "c_fqdn", "localhost");
    const next = (await readCounter(store, "MMhighest")) + 1;
    const msg = newMessage({
      anon: AnonType.NORMAL,
      format: post.format ?? 0,
      fields: {
        I: messageId(now, next, fqdn),
        P: "Citadel",
        T: String(now),
        A: "Citadel",
        O: room,
        N: await readConfig(store, "c_nodename", "ctdlsync"),
        ...post.fields,
      },
    });
    const { msgnum } = await postMessage(store, [room], msg);
    if (msgnum > 0) await countPost(s);
    return msgnum;
  });
}

/**
 * Posts a notice from "Citadel" to the Aide room (c_aideroom), as Citadel's
 * CtdlAideMessage does when rooms, users or the configuration change.
 */
export async function aideNotice(s: Session, subject: string, text: string): Promise<void> {
  const aideRoom = await readConfig(s.server.store, "c_aideroom", "Aide");
  await postSystemMessage(s, aideRoom, { fields: { U: subject, M: text + "\n" } });
}
