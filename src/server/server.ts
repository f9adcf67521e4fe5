import { AsyncLocalStorage } from "node:async_hooks";
import { Code, CtdlError } from "../errors.ts";
import { log } from "../log.ts";
import { readConfig } from "../store/control.ts";
import type { Store } from "../store/store.ts";
import { COMMANDS } from "./commands/mod.ts";
import type { ServerContext, ServerOptions } from "./context.ts";
import { Dispatcher } from "./dispatch.ts";
import { Session } from "./session.ts";
import { SingleUser } from "./single_user.ts";

export type { ServerOptions } from "./context.ts";

/** The default listen address: Citadel's port is 504; unprivileged, we take 5040. */
export const DEFAULT_PORT = 5040;

/** Idle time-out when neither `--idle` nor `c_sleeping` sets one (Citadel's default). */
const DEFAULT_IDLE_SECONDS = 900;

/** Accept errors that concern one connection only (it was reset before we took it). */
function isPerConnection(e: unknown): boolean {
  return e instanceof Deno.errors.NotConnected || e instanceof Deno.errors.ConnectionReset ||
    e instanceof Deno.errors.ConnectionAborted || e instanceof Deno.errors.Interrupted;
}

/** A config value as a whole number, 0 when unset or not a number. */
async function configInt(store: Store, key: string): Promise<number> {
  const n = Number.parseInt(await readConfig(store, key, "0"), 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * A Citadel server over a ctdlsync store: accepts connections, runs one Session each, owns
 * single-user mode and the one write path that it guards.
 */
export class CitadelServer implements ServerContext {
  readonly store: Store;
  readonly options: ServerOptions;
  readonly sessions = new Set<Session>();
  readonly singleUser: SingleUser;
  readonly startTime = Math.floor(Date.now() / 1000);
  readonly #dispatcher: Dispatcher;
  #listener: Deno.Listener | undefined;
  #accepting: Promise<void> | undefined;
  #stopping = false;
  /** The session whose command is running, as seen from inside the store's write path. */
  readonly #current = new AsyncLocalStorage<Session>();

  constructor(store: Store, options: Partial<ServerOptions> = {}) {
    this.store = store;
    this.options = {
      hostname: "127.0.0.1",
      port: DEFAULT_PORT,
      sync: true,
      ...options,
    };
    this.#dispatcher = new Dispatcher(COMMANDS, { sync: this.options.sync });
    this.singleUser = new SingleUser((why) => log.info(`single-user mode ended (${why})`));
    // Every inbound write, from any command, reaches the store through update(); this is
    // the one place single-user mode (and a read-only replica) refuses it. The follower of
    // a replica writes outside any session, so its writes pass.
    store.writeGuard = () => {
      const session = this.#current.getStore();
      if (session && this.options.replicaOf) {
        throw new CtdlError(
          Code.NOT_HERE,
          `read-only replica of ${this.options.replicaOf}; write there`,
        );
      }
      if (!this.singleUser.mayWrite(session)) {
        throw new CtdlError(
          Code.RESOURCE_BUSY,
          "The system is in single-user mode; writes are refused.",
        );
      }
    };
  }

  /** The bound port (after `start`). */
  get port(): number {
    return (this.#listener!.addr as Deno.NetAddr).port;
  }

  /** Starts listening and accepting. */
  start(): void {
    const { hostname, port, tls } = this.options;
    try {
      this.#listener = tls
        ? Deno.listenTls({
          hostname,
          port,
          cert: Deno.readTextFileSync(tls.certFile),
          key: Deno.readTextFileSync(tls.keyFile),
        })
        : Deno.listen({ hostname, port });
    } catch (e) {
      throw new CtdlError(
        Code.INTERNAL_ERROR,
        `cannot listen on ${hostname}:${port}: ${(e as Error).message}`,
      );
    }
    log.info(`listening on ${hostname}:${this.port}${tls ? " (TLS)" : ""}`);
    this.#accepting = this.#accept();
  }

  /**
   * Accepts until stopped. Nothing one connection does may end this loop: a client that
   * resets before it is accepted makes accept() fail with NotConnected, and that is
   * logged and skipped.
   */
  async #accept(): Promise<void> {
    const listener = this.#listener!;
    while (!this.#stopping) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (e) {
        if (this.#stopping || e instanceof Deno.errors.BadResource) return;
        log.info(`accept: ${(e as Error).message}`);
        // Out of descriptors and the like: don't spin, give sessions time to end.
        if (!isPerConnection(e)) await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        this.#startSession(conn);
      } catch (e) {
        log.info(`accept: ${(e as Error).message}`);
        try {
          conn.close();
        } catch {
          // already gone
        }
      }
    }
  }

  #startSession(conn: Deno.Conn): void {
    if (this.#stopping) {
      conn.close();
      return;
    }
    // remoteAddr throws for a connection that is already reset.
    const remote = (conn.remoteAddr as Deno.NetAddr).hostname ?? "local";
    const session = new Session(this, conn, remote);
    this.sessions.add(session);
    log.info(`session ${session.id}: connected from ${session.remote}`);
    session.run().finally(() => {
      this.sessions.delete(session);
      this.singleUser.left(session);
      log.info(`session ${session.id}: closed`);
    });
  }

  /**
   * The greeting: Citadel's `200 <nodename> Citadel server ready.`, or, past `c_maxsessions`
   * sessions, `551 <nodename>: Too many users are already online (maximum is N)` and the
   * end of the session. Also settles the session's idle time: `c_sleeping` when set, else
   * `--idle`.
   */
  async admit(session: Session): Promise<{ line: string; ok: boolean; idleSeconds: number }> {
    const node = await readConfig(this.store, "c_nodename", "ctdlsync");
    const max = await configInt(this.store, "c_maxsessions");
    const idleSeconds = this.options.idleSeconds ??
      (await configInt(this.store, "c_sleeping") || DEFAULT_IDLE_SECONDS);
    if (max > 0 && this.sessions.size > max) {
      log.info(`session ${session.id}: refused, ${this.sessions.size - 1} sessions are open`);
      return {
        line: `${Code.MAX_SESSIONS_EXCEEDED} ${node}: Too many users are already online ` +
          `(maximum is ${max})`,
        ok: false,
        idleSeconds,
      };
    }
    return { line: `${Code.OK} ${node} Citadel server ready.`, ok: true, idleSeconds };
  }

  /** Runs one command line for a session; every reply it writes is complete. */
  async dispatch(session: Session, line: string): Promise<void> {
    this.singleUser.touch(session);
    try {
      await this.#dispatcher.run(session, line, (fn) => this.#current.run(session, fn));
    } finally {
      this.singleUser.touch(session);
    }
  }

  /**
   * Stops cleanly (SIGTERM): no new connections, idle sessions end now, running commands
   * finish (up to `graceSeconds`), then the store is closed.
   */
  async stop(graceSeconds = 30): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    try {
      this.#listener?.close();
    } catch {
      // already closed
    }
    await this.#accepting?.catch(() => {});
    for (const s of this.sessions) s.close();
    const all = Promise.all([...this.sessions].map((s) => s.done));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise((r) => timer = setTimeout(r, graceSeconds * 1000))]);
    clearTimeout(timer);
    // Whatever still runs is stuck (e.g. writing to a client that does not read).
    for (const s of this.sessions) s.abort();
    this.singleUser.end("server stopping");
    await this.store.close();
    log.info("stopped");
  }
}
