/** What every room sync shares: the server, the tree, the options and the room's report. */
import type { Remote, RoomFetch } from "./remote.ts";

/** Counts of one direction of one room. */
export interface Counts {
  added: number;
  changed: number;
  deleted: number;
  seen: number;
}

/** What a run did (or, with --dry-run, would do) to one room. */
export interface RoomReport {
  room: string;
  dir: string;
  kind: string;
  /** Server to tree. */
  down: Counts;
  /** Tree to server. */
  up: Counts;
  /** Mail deleted locally and kept on the server (no --delete-mail). */
  kept: number;
  /** Items on the tree after the run. */
  items: number;
  conflicts: string[];
  errors: string[];
  /** --dry-run: each change, in words. */
  planned: string[];
}

/** A new, empty room report. */
export function newRoomReport(room: string, dir: string, kind: string): RoomReport {
  const zero = () => ({ added: 0, changed: 0, deleted: 0, seen: 0 });
  return {
    room,
    dir,
    kind,
    down: zero(),
    up: zero(),
    kept: 0,
    items: 0,
    conflicts: [],
    errors: [],
    planned: [],
  };
}

/** The run's shared parts. */
export interface MirrorContext {
  remote: Remote;
  /** The mirror's top directory. */
  top: string;
  dryRun: boolean;
  deleteMail: boolean;
  site: { nodename: string; fqdn: string };
  /** Time stamp for conflict file names (`20261203T151200Z`). */
  runTime: string;
}

/**
 * Runs `fn` unless this is a dry run; either way the change is listed in the plan when
 * dry. Every write to the tree or the server goes through here.
 */
export async function act(
  ctx: MirrorContext,
  rep: RoomReport,
  what: string,
  fn: () => Promise<void>,
): Promise<boolean> {
  if (ctx.dryRun) {
    rep.planned.push(what);
    return false;
  }
  await fn();
  return true;
}

/** One room's sync: messages taken as they stream in (optional), then the rest. */
export interface RoomSync {
  /** Handles one arriving message (bytes, the user's seen set); it is not kept after. */
  take?: (msgnum: number, bytes: Uint8Array, seen: string) => Promise<void>;
  /** Everything else, once the reply is complete; true when the room's state changed. */
  finish: (fetch: RoomFetch) => Promise<boolean>;
}
