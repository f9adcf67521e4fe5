/**
 * One mirror run: log in, list the rooms the user may read, and bring each chosen room's
 * folder in step with the server in both directions, saving the state after each room.
 */
import { CtdlError } from "../errors.ts";
import type { RoomReport } from "./context.ts";
import { type MirrorContext, newRoomReport, type RoomSync } from "./context.ts";
import { KINDS, safeFileName } from "./items.ts";
import { maildirSync } from "./maildir.ts";
import { Remote, type RemoteRoom } from "./remote.ts";
import { loadState, type MirrorState, type RoomState, saveState } from "./state.ts";
import { syncVdir } from "./vdir.ts";

/** What `ctdlsync mirror` needs. */
export interface MirrorOptions {
  from: string;
  user: string;
  password: string;
  /** The mirror's top directory. */
  to: string;
  /** Only these rooms (full or shown names); default every room the user may read. */
  rooms?: string[];
  dryRun?: boolean;
  deleteMail?: boolean;
  tls?: boolean;
  /** Called before each room. */
  onRoom?: (index: number, total: number, room: string) => void;
}

/** The whole run's outcome. */
export interface MirrorReport {
  stamp: number;
  rooms: RoomReport[];
  /** Rooms asked for that could not be read (refused, missing). */
  refused: string[];
}

/** A folder name for a room: its shown name made safe, unique within the mirror. */
function folderName(room: RemoteRoom, state: MirrorState): string {
  const base = safeFileName(room.display) || "room";
  const used = new Set(Object.values(state.rooms).map((r) => r.dir.toLowerCase()));
  let name = base;
  for (let i = 2; used.has(name.toLowerCase()); i++) name = `${base} (${i})`;
  return name;
}

/** Which rooms to mirror: all listed, or those named (unlisted names are still asked for). */
function chooseRooms(listed: RemoteRoom[], wanted: string[] | undefined): RemoteRoom[] {
  if (!wanted) return listed;
  return wanted.map((w) => {
    const lw = w.toLowerCase();
    return listed.find((r) => r.name.toLowerCase() === lw) ??
      listed.find((r) => r.display.toLowerCase() === lw) ??
      // Not listed: the server decides (an Aide may read other mailboxes; others get 5xx).
      {
        name: w,
        display: w,
        kind: /^\d{10}\./.test(w) ? "mail" : "ordinary",
        number: 0,
        highest: 0,
      };
  });
}

/** Runs one mirror pass. Connection and login failures throw; per-room ones are reported. */
export async function runMirror(opts: MirrorOptions): Promise<MirrorReport> {
  const state = await loadState(opts.to, opts.user);
  const remote = await Remote.open(opts.from, opts.user, opts.password, { tls: opts.tls });
  try {
    const list = await remote.rooms();
    if (state.storeId !== list.storeId) {
      // Another store (first run, or a rebuilt server): fetch every room whole, keep files.
      for (const rs of Object.values(state.rooms)) rs.stamp = 0;
      state.storeId = list.storeId;
    }
    const ctx: MirrorContext = {
      remote,
      top: opts.to,
      dryRun: opts.dryRun === true,
      deleteMail: opts.deleteMail === true,
      site: { nodename: list.nodename, fqdn: list.fqdn },
      runTime: new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z"),
    };
    if (!ctx.dryRun) await Deno.mkdir(opts.to, { recursive: true });
    const report: MirrorReport = { stamp: list.stamp, rooms: [], refused: [] };
    const rooms = chooseRooms(list.rooms, opts.rooms);
    for (let i = 0; i < rooms.length; i++) {
      const room = rooms[i];
      opts.onRoom?.(i + 1, rooms.length, room.display);
      const existing = state.rooms[room.name];
      const kind = existing?.kind ?? (Object.hasOwn(KINDS, room.kind) ? room.kind : "ordinary");
      // Changed in place: a room whose sync throws ends the run before the next save.
      const rs: RoomState = existing ??
        { dir: folderName(room, state), kind, stamp: 0, items: {} };
      const rep = newRoomReport(room.display, rs.dir, rs.kind);
      const sync: RoomSync = KINDS[rs.kind].layout === "maildir"
        ? maildirSync(ctx, room.name, rs, rep)
        : { finish: (fetch) => syncVdir(ctx, room.name, fetch, rs, rep) };
      let fetch;
      try {
        fetch = await remote.fetch(room.name, rs.stamp > 0 ? rs.stamp : null, sync.take);
      } catch (e) {
        // Refused at the reply's first line, before anything is written: nothing of the
        // room reaches the tree.
        if (!(e instanceof CtdlError)) throw e;
        report.refused.push(`${room.display}: ${e.code} ${e.message}`);
        continue;
      }
      const changed = await sync.finish(fetch);
      report.rooms.push(rep);
      // A room where nothing arrived and nothing moved keeps its old stamp (`since` from it
      // is still right), so a rerun with nothing to do writes nothing at all.
      const quiet = fetch.added.size === 0 && fetch.removed.size === 0;
      if (!ctx.dryRun && (!existing || rs.stamp === 0 || !quiet || changed)) {
        rs.stamp = fetch.stamp;
        state.rooms[room.name] = rs;
        await saveState(opts.to, state);
      }
    }
    return report;
  } finally {
    await remote.close();
  }
}
