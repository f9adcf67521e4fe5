/**
 * The indexes Citadel derives instead of exporting: users by number, the internet address
 * directory and the EUID index. `MIGR import` rebuilds them after loading, and so do we, from
 * the records just imported.
 *
 * @module
 */

import { euidDecision } from "../message/euid.ts";
import { fieldText, parseMessage } from "../message/message.ts";
import { BatchWriter } from "../store/batch_writer.ts";
import { metaOp } from "../store/messages.ts";
import type { Store } from "../store/store.ts";
import { userKey as userKeyOf } from "../store/users.ts";
import { type MessageMeta, TABLES, type User } from "../store/tables.ts";

const encoder = new TextEncoder();

/** What a message contributes to the EUID index: its EUID (field E) and time (field T). */
export interface EuidEntry {
  euid: string;
  time: number;
}

/**
 * Users by number, rebuilt as Citadel's rebuild_usersbynumber does: every user in key order,
 * so when two records share a number (902 exports a blank user and SYS_Citadel, both 0) the
 * later one in key order wins. Returns the number → name map for the directory.
 */
async function rebuildUsersByNumber(store: Store): Promise<Map<number, User>> {
  const writer = new BatchWriter(store);
  const byNumber = new Map<number, User>();
  for await (const rec of store.list("users")) {
    const user = TABLES.users.codec.decode(rec.value);
    byNumber.set(user.usernum, user);
    await writer.add({
      table: "usersbynumber",
      key: [user.usernum],
      value: encoder.encode(user.fullname),
    });
  }
  await writer.flush();
  return byNumber;
}

/** Internet addresses of a vCard body (`email;internet:` or `EMAIL;TYPE=INTERNET:` lines). */
function vcardAddresses(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(/^email[^:\r\n]*internet[^:\r\n]*:[ \t]*([^\s]+)/gim)) {
    out.push(m[1]);
  }
  return out;
}

/**
 * The directory (internet address → user name). A user's own addresses come from the user
 * record (later Citadel versions) and from the personal vCard Citadel keeps in the user's
 * "My Citadel Config" room (902). As in Citadel, only addresses in this system's own domain
 * (c_fqdn) are directory entries; keys are lower-cased.
 */
async function rebuildDirectory(
  store: Store,
  byNumber: Map<number, User>,
  fqdn: string,
): Promise<number> {
  const writer = new BatchWriter(store);
  const keys = new Set<string>();
  const add = (addr: string, user: string) => {
    keys.add(addr.toLowerCase());
    return writer.add({
      table: "directory",
      key: [addr.toLowerCase()],
      value: encoder.encode(user),
    });
  };
  for (const user of byNumber.values()) {
    for (const a of user.emailaddrs.split("|").map((x) => x.trim()).filter(Boolean)) {
      await add(a, user.fullname);
    }
  }
  const domain = fqdn.toLowerCase();
  for await (const rec of store.list("rooms")) {
    const room = TABLES.rooms.codec.decode(rec.value);
    const m = /^(\d{10})\.My Citadel Config$/.exec(room.name);
    const owner = m ? byNumber.get(Number(m[1])) : undefined;
    if (!owner || domain === "") continue;
    for await (const key of store.keys("msglists", [room.number])) {
      const bytes = await store.get("messages", [key[1] as number]);
      if (!bytes) continue;
      const body = fieldText(parseMessage(bytes), "M") ?? "";
      if (!/begin:vcard/i.test(body)) continue;
      for (const addr of vcardAddresses(body)) {
        if (addr.toLowerCase().endsWith(`@${domain}`)) await add(addr, owner.fullname);
      }
    }
  }
  await writer.flush();
  return keys.size;
}

/**
 * The EUID index: for each room, each EUID points at one message of that room. Where several
 * messages in a room share an EUID (an export taken mid-replacement), the EUID rule decides by
 * message time, later number winning a tie, as a re-save would.
 */
async function rebuildEuidIndex(store: Store, euids: Map<number, EuidEntry>): Promise<number> {
  if (euids.size === 0) return 0;
  const writer = new BatchWriter(store);
  let entries = 0;
  let room = -1;
  let held = new Map<string, { msgnum: number; time: number }>();
  const flush = async () => {
    entries += held.size;
    for (const [euid, h] of held) {
      await writer.add({
        table: "euidindex",
        key: [room, euid],
        value: TABLES.euidindex.codec.encode(h.msgnum),
      });
    }
    held = new Map();
  };
  for await (const key of store.keys("msglists")) {
    const [roomnum, msgnum] = key as [number, number];
    if (roomnum !== room) {
      await flush();
      room = roomnum;
    }
    const e = euids.get(msgnum);
    if (!e) continue;
    if (euidDecision({ time: e.time }, held.get(e.euid)) !== "drop") {
      held.set(e.euid, { msgnum, time: e.time });
    }
  }
  await flush();
  await writer.flush();
  return entries;
}

/**
 * Sets each message's reference count to the number of rooms listing it. Only needed when
 * a document lists rooms after their messages; 902 writes rooms first, so the counts given
 * at import time are already right.
 */
export async function fixRefcounts(store: Store, refcounts: Map<number, number>): Promise<void> {
  const writer = new BatchWriter(store);
  for await (const rec of store.list("msgmeta")) {
    const meta: MessageMeta = TABLES.msgmeta.codec.decode(rec.value);
    const want = refcounts.get(rec.key[0] as number) ?? 0;
    if (meta.refcount !== want) {
      await writer.add(metaOp(rec.key[0] as number, { ...meta, refcount: want }));
    }
  }
  await writer.flush();
}

/** How many entries each derived index should hold, as its rebuild computed them. */
export type DerivedCounts = Record<"usersbynumber" | "directory" | "euidindex", number>;

/**
 * Rebuilds users by number, the directory and the EUID index of a freshly imported store;
 * returns the distinct entries each should now hold, for the import's checks.
 */
export async function rebuildIndexes(
  store: Store,
  opts: { euids: Map<number, EuidEntry>; fqdn: string },
): Promise<DerivedCounts> {
  const byNumber = await rebuildUsersByNumber(store);
  const directory = await rebuildDirectory(store, byNumber, opts.fqdn);
  const euidindex = await rebuildEuidIndex(store, opts.euids);
  return { usersbynumber: byNumber.size, directory, euidindex };
}

/**
 * Checks the derived indexes against the records they come from: every users-by-number and
 * directory entry names a user (by number, for the former), every EUID entry points at a
 * message listed in its room. Returns, per index, one line per problem (at most `max` each).
 */
export async function checkDerived(
  store: Store,
  max = 20,
): Promise<Record<keyof DerivedCounts, string[]>> {
  const problems: Record<keyof DerivedCounts, string[]> = {
    usersbynumber: [],
    directory: [],
    euidindex: [],
  };
  const add = (p: string) => {
    const list = problems[p.split(" ")[0] as keyof DerivedCounts];
    if (list.length < max) list.push(p);
  };
  for await (const rec of store.list("usersbynumber")) {
    const name = TABLES.usersbynumber.codec.decode(rec.value);
    const bytes = await store.get("users", [userKeyOf(name)]);
    const user = bytes ? TABLES.users.codec.decode(bytes) : null;
    if (user?.usernum !== rec.key[0]) add(`usersbynumber ${rec.key[0]}: no such user`);
  }
  for await (const rec of store.list("directory")) {
    const name = TABLES.directory.codec.decode(rec.value);
    if (!await store.get("users", [userKeyOf(name)])) {
      add(`directory ${JSON.stringify(rec.key[0])}: no user ${JSON.stringify(name)}`);
    }
  }
  for await (const rec of store.list("euidindex")) {
    const msgnum = TABLES.euidindex.codec.decode(rec.value);
    if (await store.get("msglists", [rec.key[0], msgnum]) === null) {
      add(`euidindex ${rec.key.join("|")}: message ${msgnum} is not in that room`);
    }
  }
  return problems;
}
