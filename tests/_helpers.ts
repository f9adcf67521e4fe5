import { buildFixture } from "../fixtures/small.ts";
import { CitadelClient } from "../src/client/connection.ts";
import { log } from "../src/log.ts";
import { CitadelServer, type ServerOptions } from "../src/server/server.ts";
import { Store } from "../src/store/store.ts";
import { TABLE_NAMES } from "../src/store/tables.ts";
import { ctdlsyncArgs } from "../src/tools/run_args.ts";

log.quiet = true;

/** A fresh store in a temporary directory; `cleanup` closes it and removes the files. */
export async function tempStore(
  prefix = "ctdlsync-test-",
): Promise<{ store: Store; dir: string; cleanup: () => Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix });
  const store = await Store.open(dir, { create: true });
  return {
    store,
    dir,
    cleanup: async () => {
      await store.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** A store holding the small fixture. */
export async function fixtureStore() {
  const t = await tempStore("ctdlsync-fixture-");
  await buildFixture(t.store);
  return t;
}

/** Starts a server on a free loopback port. */
export function startServer(store: Store, opts: Partial<ServerOptions> = {}) {
  const server = new CitadelServer(store, { port: 0, ...opts });
  server.start();
  return { server, address: `127.0.0.1:${server.port}` };
}

/** Per-table count and digest of a store, for comparing two stores. */
export async function digests(store: Store): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TABLE_NAMES) {
    const s = await store.stats(t);
    out[t] = `${s.count}/${s.digest}`;
  }
  return out;
}

/** Every table's digest of the store in directory `dir` (opened and closed here). */
export async function digestsOfDir(dir: string): Promise<Record<string, string>> {
  const store = await Store.open(dir);
  try {
    return await digests(store);
  } finally {
    await store.close();
  }
}

/**
 * Path of a file under ../shared (beside the project). Absent there (a user's fresh clone)
 * it is null and the tests that need it skip (`ignore: !path`) with a message. In CI
 * (CI=true) a skip is not allowed: the path is returned all the same, so the test that reads
 * it fails with NotFound, after a line naming the missing file.
 */
export function sharedFile(rel: string): string | null {
  const path = new URL(`../../shared/${rel}`, import.meta.url).pathname;
  try {
    Deno.statSync(path);
    return path;
  } catch {
    if (Deno.env.get("CI") === "true") {
      console.error(`../shared/${rel} is missing in CI: the tests that read it fail`);
      return path;
    }
    console.warn(`skipping: ../shared/${rel} is absent (tests that need shared fixtures skip)`);
    return null;
  }
}

/**
 * Polls `cond` every `intervalMs` until it returns a truthy value, and returns that value;
 * after `timeoutMs` it throws, naming `what`. Tests wait with this, never with a sleep.
 */
export async function waitFor<T>(
  cond: () => T | Promise<T>,
  timeoutMs = 5000,
  what = "the condition",
  intervalMs = 20,
): Promise<Exclude<T, false | null | undefined | 0 | "">> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as Exclude<T, false | null | undefined | 0 | "">;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Runs `fn` against a server (with `serverOptions`) on a fresh fixture store, after `setup`,
 * if given, has run on the store; then stops the server and removes the store.
 */
export async function withFixtureServer(
  fn: (address: string, store: Store, server: CitadelServer) => Promise<void>,
  setup?: (store: Store) => Promise<void>,
  serverOptions: Partial<ServerOptions> = {},
): Promise<void> {
  const src = await fixtureStore();
  await setup?.(src.store);
  const { server, address } = startServer(src.store, serverOptions);
  try {
    await fn(address, src.store, server);
  } finally {
    await server.stop(2);
    await Deno.remove(src.dir, { recursive: true });
  }
}

/** Connects and logs in. */
export async function loginAs(
  address: string,
  u: { name: string; password: string },
): Promise<CitadelClient> {
  const c = await CitadelClient.connect(address);
  await c.login(u.name, u.password);
  return c;
}

/** A raw line-protocol connection for protocol tests: send lines, read replies. */
export { CitadelClient };

/** What `runCli` returns: exit code and both outputs. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ctdlsync <args>` as a user would (a child process of main.ts). */
export async function runCli(...args: string[]): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ctdlsyncArgs(args),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** GOTO a room; anything but 200 fails the test. */
export async function gotoRoom(c: CitadelClient, room: string): Promise<void> {
  const r = await c.command(`GOTO ${room}`);
  if (r.code !== 200) throw new Error(`GOTO ${room}: ${r.line}`);
}

/** SHA-256 of some bytes, as hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}
