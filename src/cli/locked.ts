/**
 * Runs a command that writes a store while holding DIR's lock, so one process at a time
 * owns a store (serve, pull, import, export, seed).
 *
 * @module
 */
import { Code, CtdlError } from "../errors.ts";
import { lockStore } from "../store/lock.ts";
import { Store } from "../store/store.ts";
import { checkDataDir } from "./args.ts";
import { onInterrupt } from "./signals.ts";

/** Holds DIR's lock for `command` while `fn` runs; the lock goes when fn ends or throws. */
export async function withLock<T>(dir: string, command: string, fn: () => Promise<T>): Promise<T> {
  await checkDataDir(dir);
  const lock = await lockStore(dir, command);
  const off = onInterrupt(() => lock.release());
  try {
    return await fn();
  } finally {
    off();
    await lock.release();
  }
}

/** Holds DIR's lock and opens its store for `fn`; both are released afterwards. */
export async function withLockedStore<T>(
  dir: string,
  command: string,
  opts: { create?: boolean },
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  // A read of a missing store must not leave an empty directory behind: check before locking.
  if (!opts.create && !await Deno.stat(`${dir}/ctdlsync.kv`).then(() => true, () => false)) {
    throw new CtdlError(Code.FILE_NOT_FOUND, `no ctdlsync store at ${dir}`);
  }
  return withLock(dir, command, async () => {
    const store = await Store.open(dir, opts);
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  });
}
