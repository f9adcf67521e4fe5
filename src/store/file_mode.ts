/**
 * Store files hold password hashes and mail: the directory is made 0700 and the KV file
 * 0600 before SQLite opens it. SQLite gives its -wal and -shm files the mode of the database
 * file, so they are private from their first byte too.
 *
 * @module
 */

/** Makes `dir` (0700) and an empty private KV file at `path`, unless they exist. */
export async function createPrivate(dir: string, path: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  // A directory that existed (an empty one made by hand) becomes the store's: private too.
  if (Deno.build.os !== "windows") await Deno.chmod(dir, 0o700);
  try {
    await Deno.writeFile(path, new Uint8Array(), { createNew: true, mode: 0o600 });
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  }
  await tighten(path);
}

/** Takes group and other access away from the KV file and its SQLite companions. */
export async function tighten(path: string): Promise<void> {
  if (Deno.build.os === "windows") return;
  for (const p of [path, `${path}-wal`, `${path}-shm`]) {
    const st = await Deno.stat(p).catch(() => null);
    if (st?.mode != null && (st.mode & 0o077) !== 0) {
      await Deno.chmod(p, st.mode & 0o700).catch(() => {});
    }
  }
}
