/**
 * Mail (and ordinary message) rooms as Maildir folders: one RFC 822 file per message,
 * named `<msgnum>.ctdlsync`; unseen ones in `new/`, seen ones in `cur/` with the `S` flag.
 * Messages never change on the server, so only arrivals, deletions and seen flags move.
 */
import { join } from "node:path";
import { CtdlError } from "../errors.ts";
import { parseMessage } from "../message/message.ts";
import { isSeen, parseSeen } from "../store/seen_set.ts";
import { act, type MirrorContext, type RoomReport, type RoomSync } from "./context.ts";
import { rfc822Bytes } from "./items.ts";
import type { RoomFetch } from "./remote.ts";
import { MailBit, type MailItem, removeLeftovers, type RoomState, writeAtomic } from "./state.ts";

interface LocalMail {
  sub: "cur" | "new";
  name: string;
  flags: string;
  seen: boolean;
}

const WRITES_AT_ONCE = 32;

const SUFFIX = ".ctdlsync";

/**
 * The Maildir files of a folder by message number. Read synchronously: a mailbox of many
 * thousand files lists several times faster than with one promise per entry.
 */
function scan(dir: string): Map<number, LocalMail> {
  const out = new Map<number, LocalMail>();
  for (const sub of ["new", "cur"] as const) {
    let entries: Iterable<Deno.DirEntry>;
    try {
      entries = Deno.readDirSync(join(dir, sub));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw e;
    }
    for (const e of entries) {
      // `<msgnum>.ctdlsync[:2,FLAGS]`, parsed by hand: this runs once per message.
      const name = e.name;
      const dot = name.indexOf(SUFFIX);
      if (dot <= 0) continue;
      const n = Number(name.slice(0, dot));
      const rest = name.slice(dot + SUFFIX.length);
      if (!Number.isSafeInteger(n) || (rest !== "" && !rest.startsWith(":2,"))) continue;
      const flags = rest.slice(3);
      out.set(n, { sub, name, flags, seen: flags.includes("S") });
    }
  }
  return out;
}

/** The mtimes of a Maildir's `cur/` and `new/` (ns where the system has them), or "". */
function folderTimes(dir: string): string {
  try {
    return ["cur", "new"].map((sub) => {
      const st = Deno.statSync(join(dir, sub));
      return `${st.mtime?.getTime() ?? 0}.${st.ctime?.getTime() ?? 0}`;
    }).join(",");
  } catch {
    return "";
  }
}

/** Where a message's file goes: `cur/` with its flags when seen, else `new/`. */
function target(msgnum: number, seen: boolean, otherFlags = ""): string {
  if (!seen && otherFlags === "") return join("new", `${msgnum}.ctdlsync`);
  const flags = [...new Set((otherFlags.replace(/S/g, "") + (seen ? "S" : "")).split(""))]
    .sort().join("");
  return join("cur", `${msgnum}.ctdlsync:2,${flags}`);
}

/**
 * A Maildir room's sync: new messages are written as they stream in (`take`), so a big
 * mailbox never sits in memory; `finish` then handles deletions and seen flags both ways.
 */
export function maildirSync(
  ctx: MirrorContext,
  roomName: string,
  rs: RoomState,
  rep: RoomReport,
): RoomSync {
  const dir = join(ctx.top, rs.dir);
  const items = rs.items as Record<string, MailItem>;
  // Listing a big folder is most of a quiet rerun. The kernel bumps a directory's mtime
  // whenever an entry is added, removed or renamed (flags live in the names), so when
  // cur/ and new/ have the times the last run left, nothing was changed locally.
  const quietFolder = rs.dirs !== undefined && rs.dirs === folderTimes(dir);
  let listed: Map<number, LocalMail> | undefined;
  // The folder as it was before this run's writes: what the user changed since the last.
  const local = () => listed ??= scan(dir);
  if (!quietFolder) local();
  const arrived = new Set<number>();
  let dirty = false;
  let ready = false;
  const ensureFolder = async () => {
    if (ready || ctx.dryRun) return;
    ready = true;
    for (const sub of ["cur", "new", "tmp"]) await Deno.mkdir(join(dir, sub), { recursive: true });
    await removeLeftovers(join(dir, "tmp"));
  };
  let seenText = "";
  let seenSet = parseSeen("");
  const seenOf = (text: string) => {
    if (text !== seenText) [seenText, seenSet] = [text, parseSeen(text)];
    return seenSet;
  };
  const move = (n: number, from: LocalMail, seen: boolean) =>
    act(ctx, rep, `${rs.dir}: mark ${n} ${seen ? "seen" : "unseen"} locally`, async () => {
      const to = target(n, seen, from.flags);
      const path = join(dir, from.sub, from.name);
      if (path !== join(dir, to)) await Deno.rename(path, join(dir, to));
    });
  // New messages are written WRITES_AT_ONCE at a time: each file is a write and a rename,
  // and overlapping them keeps the disk busy instead of waiting on each in turn.
  const pending: Promise<unknown>[] = [];

  const take = async (n: number, bytes: Uint8Array, seenText: string) => {
    if (items[n] !== undefined) return;
    await ensureFolder();
    const seen = isSeen(seenOf(seenText), n);
    // A quiet folder holds no file a killed run left behind.
    const file = quietFolder ? undefined : local().get(n);
    if (file) {
      // Left by a run that was killed before it saved its state: keep it, fix its flag.
      if (file.seen !== seen) await move(n, file, seen);
    } else {
      pending.push(act(ctx, rep, `${rs.dir}: add ${n}${seen ? " (seen)" : ""}`, () =>
        writeAtomic(
          join(dir, target(n, seen)),
          rfc822Bytes(parseMessage(bytes), ctx.site),
          join(dir, "tmp"),
        )));
      if (pending.length >= WRITES_AT_ONCE) await Promise.all(pending.splice(0));
      rep.down.added++;
    }
    items[n] = seen ? MailBit.SEEN : 0;
    arrived.add(n);
    dirty = true;
  };

  const finish = async (fetch: RoomFetch) => {
    await Promise.all(pending);
    await ensureFolder();
    const serverSeenSet = seenOf(fetch.seen);
    // Nothing changed on either side: no message needs a look (the rerun of a big mailbox).
    const quiet = quietFolder && arrived.size === 0 && fetch.removed.size === 0 &&
      !fetch.full && fetch.seen === rs.seen && !ctx.deleteMail;
    for (const key of quiet ? [] : Object.keys(items)) {
      const n = Number(key);
      if (arrived.has(n)) continue;
      const item = items[key];
      const hidden = (item & MailBit.HIDDEN) !== 0;
      const wasSeen = (item & MailBit.SEEN) !== 0;
      const goneOnServer = fetch.removed.has(n) || (fetch.full && !fetch.added.has(n));
      // In a quiet folder a message is as the last run left it: present unless hidden,
      // with the seen flag it had; only a server change needs its file's name.
      if (
        quietFolder && !goneOnServer && !(hidden && ctx.deleteMail) &&
        (hidden || isSeen(serverSeenSet, n) === wasSeen)
      ) continue;
      const file = local().get(n);
      if (goneOnServer) {
        if (file) {
          await act(
            ctx,
            rep,
            `${rs.dir}: delete ${n} locally`,
            () => Deno.remove(join(dir, file.sub, file.name)),
          );
        }
        if (!hidden) rep.down.deleted++;
        delete items[key];
        dirty = true;
        continue;
      }
      if (!file) {
        // Without --delete-mail the server keeps it (once counted); with it, also the
        // messages kept by earlier runs go.
        if (!ctx.deleteMail) {
          if (!hidden) {
            items[key] = item | MailBit.HIDDEN;
            rep.kept++;
            dirty = true;
          }
          continue;
        }
        try {
          await act(
            ctx,
            rep,
            `${rs.dir}: delete ${n} on the server`,
            () => ctx.remote.delete(roomName, n),
          );
          delete items[key];
          dirty = true;
          rep.up.deleted++;
        } catch (e) {
          if (!(e instanceof CtdlError)) throw e;
          rep.errors.push(`${rs.dir}/${n}: ${e.code} ${e.message}`);
        }
        continue;
      }
      const serverSeen = isSeen(serverSeenSet, n);
      let seen = wasSeen;
      if (file.seen !== wasSeen) {
        await act(
          ctx,
          rep,
          `${rs.dir}: mark ${n} ${file.seen ? "seen" : "unseen"} on the server`,
          () => ctx.remote.setSeen(roomName, n, file.seen),
        );
        seen = file.seen;
        rep.up.seen++;
      } else if (serverSeen !== wasSeen) {
        await move(n, file, serverSeen);
        seen = serverSeen;
        rep.down.seen++;
      }
      // A file that is back (restored by the user) is no longer hidden.
      const now = seen ? MailBit.SEEN : 0;
      if (now !== item) {
        items[key] = now;
        dirty = true;
      }
    }
    rep.items = Object.values(items).filter((i) => (i & MailBit.HIDDEN) === 0).length;
    if (!ctx.dryRun) {
      const times = folderTimes(dir);
      if (times !== rs.dirs) [rs.dirs, dirty] = [times, true];
      // The seen text fetched before this run's own SEEN commands is stale once any went up:
      // record none, so the next run compares every flag instead of taking a server-side
      // change back to that same text for "nothing changed".
      if (rep.up.seen > 0) [rs.seen, dirty] = ["\u0000sent", true];
      else if (fetch.seen !== rs.seen) [rs.seen, dirty] = [fetch.seen, true];
    }
    return dirty;
  };
  return { take, finish };
}
