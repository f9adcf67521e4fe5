/**
 * One process per store: a lock file `ctdlsync.lock` in the data directory, made with an
 * exclusive create and holding the command and PID of its holder. A lock whose holder is
 * gone (a `kill -9`) is taken over; the takeover itself is guarded by a second exclusive
 * create, so two processes never both take the same stale lock.
 *
 * @module
 */
import { join } from "node:path";

/** The lock file's name inside the data directory. */
export const LOCK_FILE = "ctdlsync.lock";
const TAKEOVER_FILE = "ctdlsync.lock.takeover";
/** A takeover file older than this was left by a process killed mid-takeover. */
const TAKEOVER_STALE_MS = 10_000;

/** Who holds a store. */
export interface LockHolder {
  command: string;
  pid: number;
  /** The holder's start time (Linux: /proc/PID/stat field 22), so a reused PID is not it. */
  start: string | null;
  since: string;
}

/** Another live process holds the store: one line, exit 2. */
export class StoreLockedError extends Error {}

/** A held lock; `release` removes the file if it is still ours. */
export interface StoreLock {
  path: string;
  release(): Promise<void>;
}

function startTime(pid: number): string | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The command name in field 2 may hold spaces; fields after its closing ')' are plain.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/** True when the holder's process still runs (and is the same process, not a reused PID). */
export function holderAlive(h: LockHolder): boolean {
  if (h.pid === Deno.pid) return true;
  try {
    Deno.statSync("/proc/self");
  } catch {
    return true; // no /proc: cannot tell, so assume alive rather than steal a live lock
  }
  const now = startTime(h.pid);
  return now !== null && (h.start === null || now === h.start);
}

/** Reads a lock file; null when absent or unreadable (half-written). */
export async function readLock(dir: string): Promise<LockHolder | null> {
  try {
    return JSON.parse(await Deno.readTextFile(join(dir, LOCK_FILE))) as LockHolder;
  } catch {
    return null;
  }
}

async function tryCreate(path: string, text: string): Promise<boolean> {
  try {
    await Deno.writeTextFile(path, text, { createNew: true, mode: 0o600 });
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  }
}

/**
 * Takes the lock on `dir` (making the directory, private, if needed) for `command`, or
 * throws StoreLockedError naming the live holder.
 */
export async function lockStore(dir: string, command: string): Promise<StoreLock> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = {
    command,
    pid: Deno.pid,
    start: startTime(Deno.pid),
    since: new Date().toISOString(),
  };
  const text = JSON.stringify(me) + "\n";
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await tryCreate(path, text)) return held(path, text);
    const holder = await readLock(dir);
    const age = await Deno.stat(path).then((s) => Date.now() - (s.mtime?.getTime() ?? 0), () => 0);
    if (!holder && age < TAKEOVER_STALE_MS) {
      // Unreadable and new: its maker is still writing it.
      throw new StoreLockedError(`${dir} is being locked by another process; retry`);
    }
    if (holder && holderAlive(holder)) {
      throw new StoreLockedError(
        `${dir} is in use by 'ctdlsync ${holder.command}' (PID ${holder.pid}); stop it first`,
      );
    }
    await takeOver(dir, path, holder);
  }
  throw new StoreLockedError(`${dir}: could not take the lock (another process races for it)`);
}

/** Removes a stale lock, guarded so only one process at a time does it. */
async function takeOver(dir: string, path: string, stale: LockHolder | null): Promise<void> {
  const guard = join(dir, TAKEOVER_FILE);
  if (!await tryCreate(guard, String(Deno.pid))) {
    const age = await Deno.stat(guard).then((s) => Date.now() - (s.mtime?.getTime() ?? 0), () => 0);
    if (age > TAKEOVER_STALE_MS) await Deno.remove(guard).catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
    return;
  }
  try {
    // Re-read under the guard: remove only the very lock that was judged stale.
    const now = await readLock(dir);
    if (JSON.stringify(now) === JSON.stringify(stale) && !(now && holderAlive(now))) {
      await Deno.remove(path).catch(() => {});
    }
  } finally {
    await Deno.remove(guard).catch(() => {});
  }
}

function held(path: string, text: string): StoreLock {
  return {
    path,
    async release() {
      // A directory swap (import) may have replaced the file with a hard link of it: still ours.
      const now = await Deno.readTextFile(path).catch(() => null);
      if (now === text) await Deno.remove(path).catch(() => {});
    },
  };
}
