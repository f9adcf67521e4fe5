/**
 * Replacing a whole store atomically, as far as a user can tell: the new store is built in a
 * staging directory beside the target and swapped in by renaming directories only when it is
 * complete, so a failed import or a broken export leaves the target exactly as it was.
 *
 * @module
 */

import { basename, dirname, join, resolve } from "node:path";
import { CtdlError } from "../errors.ts";
import { log } from "../log.ts";
import { LOCK_FILE } from "../store/lock.ts";
import { Store } from "../store/store.ts";

/**
 * Staging directories are named `.<target>.staging-<pid>-<start>-<random>`: the process that
 * builds it and that process's start time (so a reused PID is not taken for the builder).
 * An interrupted import (kill -9, power loss) leaves one behind; the next import removes it
 * once no live process holds it.
 */
const STAGING = /^\.(.+)\.staging-(\d+)-(\d+)-[A-Za-z0-9_]+$/;
/** Staging directories of older versions (no PID): removed only when a day old. */
const OLD_STAGING = /^\.(.+)\.staging-[A-Za-z0-9_]+$/;
const OLD_STAGING_AGE_MS = 24 * 3600 * 1000;

/** A process's start time in clock ticks since boot (/proc/PID/stat field 22), or null. */
export async function processStart(pid: number): Promise<number | null> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[19]);
  } catch {
    return null;
  }
}

/**
 * Removes staging directories beside `target` that no live process is building: their PID
 * is gone, or belongs to a process started at another time. Returns the names removed.
 */
export async function removeStaleStaging(target: string): Promise<string[]> {
  const parent = dirname(target);
  const base = basename(target);
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(parent));
  } catch {
    return removed;
  }
  for (const e of entries) {
    if (!e.isDirectory) continue;
    const path = join(parent, e.name);
    const m = STAGING.exec(e.name);
    let stale = false;
    if (m && m[1] === base) {
      stale = await processStart(Number(m[2])) !== Number(m[3]);
    } else if (!m && OLD_STAGING.exec(e.name)?.[1] === base) {
      const mtime = (await Deno.stat(path).catch(() => null))?.mtime?.getTime() ?? Date.now();
      stale = Date.now() - mtime > OLD_STAGING_AGE_MS;
    }
    if (!stale) continue;
    await Deno.remove(path, { recursive: true }).then(() => removed.push(e.name), () => {});
  }
  return removed;
}

/** A store's own files (the KV file and SQLite's companions); nothing else may be replaced. */
const STORE_FILE = /^ctdlsync\.(kv(-wal|-shm|-journal)?|lock)$/;

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/**
 * Refuses a target directory that holds anything but a store: the swap replaces the whole
 * directory, and silently deleting someone's other files there would be worse than failing.
 */
export async function checkReplaceable(dataDir: string): Promise<void> {
  if (!await exists(dataDir)) return;
  const stat = await Deno.stat(dataDir);
  if (!stat.isDirectory) throw new CtdlError(512, `${dataDir} is not a directory`);
  const foreign: string[] = [];
  for await (const e of Deno.readDir(dataDir)) if (!STORE_FILE.test(e.name)) foreign.push(e.name);
  if (foreign.length > 0) {
    throw new CtdlError(
      512,
      `${dataDir} holds files that are not a ctdlsync store (${foreign.slice(0, 3).join(", ")}` +
        `${foreign.length > 3 ? ", ..." : ""}); the new store replaces the whole directory, ` +
        `so give an empty directory or one that holds only a store`,
    );
  }
}

/** What a caller may learn of the staging directory while it is being built. */
export interface StagingHooks {
  /**
   * Called with the staging directory once it exists; returns a function called when the
   * build is over (done or failed). The command line uses it to remove the directory on
   * Ctrl-C instead of leaving it for the next run to find.
   */
  onStage?: (stage: string) => () => void;
}

/**
 * Builds a fresh store with `fill` in a staging directory next to `dataDir`, then swaps it in:
 * the old directory is renamed aside, the staging one renamed into place, and only then is the
 * old one removed. When `fill` throws, or `commit` says no, the staging store is removed and
 * `dataDir` is not touched. Stop any server using `dataDir` first: it would keep serving the
 * old, renamed-away file.
 */
export async function replaceStore<T>(
  dataDir: string,
  fill: (store: Store) => Promise<T>,
  commit: (result: T) => boolean = () => true,
  hooks: StagingHooks = {},
): Promise<T> {
  const target = resolve(dataDir);
  const parent = dirname(target);
  await checkReplaceable(target);
  await Deno.mkdir(parent, { recursive: true });
  const stale = await removeStaleStaging(target);
  if (stale.length > 0) {
    log.info(`removed ${stale.length} staging directories left by interrupted runs`);
  }
  // A swap killed between its two renames leaves the previous store aside as `.old-*`:
  // never removed automatically (it may be the only copy), but said.
  for await (const e of Deno.readDir(parent)) {
    if (e.isDirectory && e.name.startsWith(`.${basename(target)}.old-`)) {
      log.info(`${join(parent, e.name)} holds a store an interrupted swap moved aside`);
    }
  }
  const me = `${Deno.pid}-${await processStart(Deno.pid) ?? 0}`;
  const stage = await Deno.makeTempDir({
    dir: parent,
    prefix: `.${basename(target)}.staging-${me}-`,
  });
  const released = hooks.onStage?.(stage);
  let result: T;
  try {
    const store = await Store.open(stage, { create: true });
    try {
      result = await fill(store);
    } finally {
      await store.close();
    }
  } catch (e) {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
    throw e;
  } finally {
    released?.();
  }
  if (!commit(result)) {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
    return result;
  }
  await checkReplaceable(target);
  if (!await exists(target)) {
    // makeTempDir made it private (0700), as a store directory must be.
    await Deno.rename(stage, target);
    return result;
  }
  const mode = (await Deno.stat(target)).mode;
  if (mode !== null) await Deno.chmod(stage, mode & 0o7777).catch(() => {});
  // The running command's lock goes along (a hard link), so DIR is never unlocked.
  await Deno.link(join(target, LOCK_FILE), join(stage, LOCK_FILE)).catch(() => {});
  const old = join(parent, `.${basename(target)}.old-${crypto.randomUUID().slice(0, 8)}`);
  await Deno.rename(target, old);
  try {
    await Deno.rename(stage, target);
  } catch (e) {
    await Deno.rename(old, target).catch(() => {});
    await Deno.remove(stage, { recursive: true }).catch(() => {});
    throw new CtdlError(510, `cannot move the new store into ${target}: ${(e as Error).message}`);
  }
  await Deno.remove(old, { recursive: true }).catch(() => {});
  return result;
}
