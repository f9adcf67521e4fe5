/**
 * The server side of a mirror, over Citadel's protocol: the user-scoped SYNC actions to
 * read rooms, and the client commands Citadel's own clients use to write (GOTO, ENT0 with
 * EUID replacement, DELE, SEEN).
 */
import { type BulkHeader, readBulk } from "../client/bulk_reader.ts";
import { TransferError } from "../client/transfer_error.ts";
import { CitadelClient } from "../client/connection.ts";
import { Code, CtdlError } from "../errors.ts";

/** A room the user may read, as `SYNC user|rooms` describes it. */
export interface RemoteRoom {
  /** Full name (own mailbox rooms with their 10-digit prefix). */
  name: string;
  /** The name a client shows (own mailbox rooms without the prefix). */
  display: string;
  kind: string;
  number: number;
  highest: number;
}

/** What `SYNC user|rooms` answers. */
export interface RoomList {
  storeId: string;
  stamp: number;
  nodename: string;
  fqdn: string;
  rooms: RemoteRoom[];
}

/** One room's messages or changes: added messages (bytes) and removed message numbers. */
export interface RoomFetch {
  stamp: number;
  storeId: string;
  /** The user's seen set for the room, in Citadel's `1:5,7` form. */
  seen: string;
  added: Map<number, Uint8Array>;
  removed: Set<number>;
  /** True when this is the room's whole list (`messages`), not the changes (`since`). */
  full: boolean;
}

const TAKEN = new Uint8Array(0);

/** A logged-in session on the server a mirror follows. */
export class Remote {
  readonly client: CitadelClient;
  #room = "";

  private constructor(client: CitadelClient) {
    this.client = client;
  }

  /** Connects and logs in; a refused login is a CtdlError with the server's code. */
  static async open(
    address: string,
    user: string,
    password: string,
    opts: { tls?: boolean; caCerts?: string[] } = {},
  ): Promise<Remote> {
    const client = await CitadelClient.connect(address, opts);
    try {
      await client.login(user, password);
    } catch (e) {
      client.close();
      throw e;
    }
    return new Remote(client);
  }

  /** Lists the rooms the user may read. */
  async rooms(): Promise<RoomList> {
    const { reply, lines } = await this.client.listing("SYNC user|rooms");
    const [storeId, stamp, nodename, fqdn] = reply.text.split("|");
    const rooms = lines.map((l) => {
      const [name, display, kind, number, highest] = l.split("|");
      return { name, display, kind, number: Number(number), highest: Number(highest) };
    });
    return { storeId, stamp: Number(stamp), nodename, fqdn, rooms };
  }

  /**
   * A room's whole message list (`since` null) or what changed after stamp `since`. With
   * `take`, each arriving message is handed over and only its number is kept (its bytes
   * in `added` are then empty).
   */
  async fetch(
    room: string,
    since: number | null,
    take?: (msgnum: number, bytes: Uint8Array, seen: string) => Promise<void>,
  ): Promise<RoomFetch> {
    const command = since === null
      ? `SYNC user|messages|${room}`
      : `SYNC user|since|${room}|${since}`;
    let header: BulkHeader | undefined;
    const added = new Map<number, Uint8Array>();
    const removed = new Set<number>();
    // A room the user may not read is refused at the first line: a 5xx for that room
    // (reported, the run goes on), not a damaged transfer.
    const records = readBulk(this.client, "messages", command, (h) => header = h);
    const refused = (e: unknown) => {
      if (e instanceof TransferError && e.refusedWith !== undefined) {
        throw new CtdlError(e.refusedWith, e.message.replace(/^.*?: \d{3} /, ""));
      }
      throw e;
    };
    for await (const rec of guard(records, refused)) {
      const msgnum = rec.key[0] as number;
      if (rec.value) {
        if (take) await take(msgnum, rec.value, header!.fields.seen ?? "");
        added.set(msgnum, take ? TAKEN : rec.value);
        removed.delete(msgnum);
      } else {
        added.delete(msgnum);
        removed.add(msgnum);
      }
    }
    return {
      stamp: header!.stamp,
      storeId: header!.storeId,
      seen: header!.fields.seen ?? "",
      added,
      removed,
      full: since === null,
    };
  }

  async #goto(room: string): Promise<void> {
    if (this.#room === room) return;
    const r = await this.client.command(`GOTO ${room}`);
    if (r.code !== Code.OK) throw new CtdlError(r.code, `GOTO ${room}: ${r.text}`);
    this.#room = room;
  }

  /**
   * Posts an item (iCalendar or vCard text) into `room` as Citadel's clients do: ENT0 in
   * format 4 with a Content-type header; the server takes the EUID from the item's UID and
   * replaces the message that held it. Returns the new message number.
   */
  async post(room: string, contentType: string, text: string): Promise<number> {
    await this.#goto(room);
    const r = await this.client.command("ENT0 1||0|4|||1");
    if (r.code !== 800) throw new CtdlError(r.code, `ENT0 in ${room}: ${r.text}`);
    const body = [`Content-type: ${contentType}; charset=utf-8`, "", ...bodyLines(text)];
    for (const line of body) await this.client.out.writeLine(line);
    await this.client.send("000");
    const [num, status] = await this.client.readListing();
    const msgnum = Number(num);
    if (!(msgnum > 0)) throw new CtdlError(Code.ERROR, `ENT0 in ${room}: ${status}`);
    return msgnum;
  }

  /** Deletes message `msgnum` from `room` (DELE). */
  async delete(room: string, msgnum: number): Promise<void> {
    await this.#goto(room);
    const r = await this.client.command(`DELE ${msgnum}`);
    if (r.code !== Code.OK) throw new CtdlError(r.code, `DELE ${msgnum} in ${room}: ${r.text}`);
  }

  /** Marks message `msgnum` of `room` seen or unseen in the user's seen set (SEEN). */
  async setSeen(room: string, msgnum: number, seen: boolean): Promise<void> {
    await this.#goto(room);
    const r = await this.client.command(`SEEN ${msgnum}|${seen ? 1 : 0}`);
    if (r.code !== Code.OK) throw new CtdlError(r.code, `SEEN ${msgnum} in ${room}: ${r.text}`);
  }

  /** Logs out and closes. */
  async close(): Promise<void> {
    await this.client.quit();
  }
}

/**
 * The lines of an item as ENT0 takes them: without CRs, and a line that is exactly `000`
 * (which would end the upload) sent with a trailing space.
 */
function bodyLines(text: string): string[] {
  const body = text.replace(/\r/g, "").replace(/\n$/, "");
  return body.split("\n").map((l) => (l === "000" ? "000 " : l));
}

/** Passes `records` through, handing an error to `onError` (which rethrows as it likes). */
async function* guard<T>(
  records: AsyncGenerator<T>,
  onError: (e: unknown) => never,
): AsyncGenerator<T> {
  try {
    yield* records;
  } catch (e) {
    onError(e);
  }
}
