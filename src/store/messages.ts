import { CtdlError } from "../errors.ts";
import { euidDecision, messageEuid, messageTime } from "../message/euid.ts";
import {
  type CitadelMessage,
  fieldText,
  parseMessage,
  serializeMessage,
} from "../message/message.ts";
import { counterOp, readCounter } from "./control.ts";
import { getRoom, roomOp } from "./rooms.ts";
import { type Op, type Reader, type Store } from "./store.ts";
import { type MessageMeta, type Room, TABLES } from "./tables.ts";

/** What happened to a posted message. */
export interface PostResult {
  /** The new message number, or 0 when the EUID rule dropped it. */
  msgnum: number;
  /** The message it replaced under the EUID rule, if any. */
  replaced?: number;
}

/** The MIME type of a message: `Content-type` of a format-4 body, else text/x-citadel-variformat. */
export function contentTypeOf(msg: CitadelMessage): string {
  if (msg.format !== 4) return msg.format === 1 ? "text/plain" : "text/x-citadel-variformat";
  const text = fieldText(msg, "M") ?? "";
  const m = /^content-type:\s*([^;\r\n]+)/im.exec(text.slice(0, 4096));
  return m ? m[1].trim().toLowerCase() : "text/plain";
}

/** Reads a message's metadata. */
export async function getMeta(r: Reader | Store, msgnum: number): Promise<MessageMeta | null> {
  const bytes = await r.get("msgmeta", [msgnum]);
  return bytes ? TABLES.msgmeta.codec.decode(bytes) : null;
}

/** Reads and parses a message. */
export async function getMessage(
  r: Reader | Store,
  msgnum: number,
): Promise<CitadelMessage | null> {
  const bytes = await r.get("messages", [msgnum]);
  return bytes ? parseMessage(bytes) : null;
}

/** The op that stores metadata. */
export function metaOp(msgnum: number, meta: MessageMeta): Op {
  return { table: "msgmeta", key: [msgnum], value: TABLES.msgmeta.codec.encode(meta) };
}

/**
 * The ops that take message `msgnum` out of `room`: its list entry, its EUID entry, and the
 * message itself when no other room points at it (Citadel's reference count reaching 0).
 */
async function unlinkOps(r: Reader, room: Room, msgnum: number, euid?: string): Promise<Op[]> {
  const ops: Op[] = [{ table: "msglists", key: [room.number, msgnum], value: null }];
  if (euid) ops.push({ table: "euidindex", key: [room.number, euid], value: null });
  const meta = await getMeta(r, msgnum);
  if (!meta || meta.refcount <= 1) {
    ops.push({ table: "messages", key: [msgnum], value: null });
    ops.push({ table: "msgmeta", key: [msgnum], value: null });
  } else {
    ops.push(metaOp(msgnum, { ...meta, refcount: meta.refcount - 1 }));
  }
  return ops;
}

/**
 * Saves a message into one or more rooms as one atomic commit: the message, its metadata,
 * each room's list entry and highest number, the EUID index and the control record.
 *
 * EUID rule (Citadel's): a message whose EUID (field E) a message in the first room already
 * has replaces that older one; if the held one is newer, the incoming one is dropped.
 */
export async function postMessage(
  store: Store,
  roomNames: string[],
  msg: CitadelMessage,
): Promise<PostResult> {
  if (roomNames.length === 0) throw new CtdlError(512, "no room to post in");
  const bytes = serializeMessage(msg);
  const euid = messageEuid(msg);
  let result: PostResult = { msgnum: 0 };
  await store.update(async (r) => {
    const rooms: Room[] = [];
    for (const name of roomNames) {
      const room = await getRoom(r, name);
      if (!room) throw new CtdlError(572, `room '${name}' not found`);
      rooms.push(room);
    }
    const ops: Op[] = [];
    result = { msgnum: 0 };
    if (euid) {
      const held = await r.get("euidindex", [rooms[0].number, euid]);
      if (held) {
        const heldNum = TABLES.euidindex.codec.decode(held);
        const heldMsg = await getMessage(r, heldNum);
        const decision = euidDecision(
          { time: messageTime(msg) },
          { msgnum: heldNum, time: heldMsg ? messageTime(heldMsg) : 0 },
        );
        if (decision === "drop") return { ops: [] };
        ops.push(...await unlinkOps(r, rooms[0], heldNum));
        result.replaced = heldNum;
      }
    }
    const msgnum = (await readCounter(r, "MMhighest")) + 1;
    result.msgnum = msgnum;
    ops.push({ table: "messages", key: [msgnum], value: bytes });
    ops.push(metaOp(msgnum, {
      refcount: rooms.length,
      content_type: contentTypeOf(msg),
      rfc822_length: bytes.length,
    }));
    const now = Math.floor(Date.now() / 1000);
    for (const room of rooms) {
      ops.push({ table: "msglists", key: [room.number, msgnum], value: new Uint8Array(0) });
      ops.push(roomOp({ ...room, highest: msgnum, mtime: now }));
    }
    if (euid) {
      ops.push({
        table: "euidindex",
        key: [rooms[0].number, euid],
        value: TABLES.euidindex.codec.encode(msgnum),
      });
    }
    ops.push(counterOp("MMhighest", msgnum));
    return { ops };
  });
  return result;
}

/** Deletes a message from a room (DELE), atomically; 575 when it is not in the room. */
export async function deleteFromRoom(
  store: Store,
  roomName: string,
  msgnum: number,
): Promise<void> {
  await store.update(async (r) => {
    const room = await getRoom(r, roomName);
    if (!room) throw new CtdlError(572, `room '${roomName}' not found`);
    if (!await r.get("msglists", [room.number, msgnum])) {
      throw new CtdlError(575, `message ${msgnum} is not in ${room.name}`);
    }
    const msg = await getMessage(r, msgnum);
    const euid = msg ? messageEuid(msg) : undefined;
    const held = euid ? await r.get("euidindex", [room.number, euid]) : null;
    const ownsEuid = held !== null && TABLES.euidindex.codec.decode(held) === msgnum;
    return { ops: await unlinkOps(r, room, msgnum, ownsEuid ? euid : undefined) };
  });
}

/**
 * Puts an existing message into another room too (MOVE's copy, Citadel's
 * CtdlSaveMsgPointerInRoom): a list entry, one more reference, the room's highest number.
 * A message the room already holds is left as it is.
 */
export async function linkToRoom(store: Store, roomName: string, msgnum: number): Promise<void> {
  await store.update(async (r) => {
    const room = await getRoom(r, roomName);
    if (!room) throw new CtdlError(572, `'${roomName}' does not exist.`);
    if (await r.get("msglists", [room.number, msgnum])) return { ops: [] };
    const meta = await getMeta(r, msgnum);
    if (!meta) throw new CtdlError(575, "Message not found.");
    return {
      ops: [
        { table: "msglists", key: [room.number, msgnum], value: new Uint8Array(0) },
        metaOp(msgnum, { ...meta, refcount: meta.refcount + 1 }),
        roomOp({
          ...room,
          highest: Math.max(room.highest, msgnum),
          mtime: Math.floor(Date.now() / 1000),
        }),
      ],
    };
  });
}
