import { AsyncLocalStorage } from "node:async_hooks";
import { Code, CtdlError } from "../errors.ts";
import { log } from "../log.ts";
import { readConfig } from "../store/control.ts";
import type { Store } from "../store/store.ts";
import { AxLevel } from "../store/users.ts";
import { COMMANDS } from "./commands/mod.ts";
import { type Command, Session } from "./session.ts";
import { SingleUser } from "./single_user.ts";

/** How a server is set up. */
export interface ServerOptions {
  hostname: string;
  /** 0 picks a free port (tests, demo). */
  port: number;
  /** Seconds a connection may stay silent before it is closed (Citadel's c_sleeping). */
  idleSeconds: number;
  /** Answer SYNC/SNGL/ESNG; off makes the server look like a stock Citadel (530). */
  sync: boolean;
  /** PEM files for a TLS listener instead of plain TCP. */
  tls?: { certFile: string; keyFile: string };
  /**
   * `HOST:PORT` of the source this store follows (a live replica): every write from a
   * client session is refused with a reply naming it; the follower's own writes pass.
   */
  replicaOf?: string;
}

/** The default listen address: Citadel's port is 504; unprivileged, we take 5040. */
export const DEFAULT_PORT = 5040;

const SYNC_VERBS = new Set(["SYNC", "SNGL", "ESNG"]);

/**
 * A Citadel server over a ctdlsync store: accepts connections, runs one Session each, owns
 * single-user mode and the one write path that it guards.
 */
export class CitadelServer {
  readonly store: Store;
  readonly options: ServerOptions;
  readonly sessions = new Set<Session>();
  readonly singleUser: SingleUser;
  readonly startTime = Math.floor(Date.now() / 1000);
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
      idleSeconds: 900,
      sync: true,
      ...options,
    };
    this.singleUser = new SingleUser((why) => log.info(`single-user mode ended (${why})`));
    // Every inbound write, from any command, reaches the store through update(); this is
    // the one place single-user mode refuses it.
    store.writeGuard = () => {
      const session = this.#current.getStore();
      if (session && this.options.replicaOf) {
        throw new CtdlError(
          Code.NOT_HERE,
          `read-only replica of ${this.options.replicaOf}; write there`,
        );
      }
      if (!this.singleUser.mayWrite(session)) {
        throw new CtdlError(552, "The system is in single-user mode; writes are refused.");
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
      throw new CtdlError(510, `cannot listen on ${hostname}:${port}: ${(e as Error).message}`);
    }
    log.info(`listening on ${hostname}:${this.port}${tls ? " (TLS)" : ""}`);
    this.#accepting = this.#accept();
  }

  async #accept(): Promise<void> {
    for await (const conn of this.#listener!) {
      if (this.#stopping) {
        conn.close();
        continue;
      }
      const session = new Session(this, conn);
      this.sessions.add(session);
      log.info(`session ${session.id}: connected from ${session.remote}`);
      session.run().finally(() => {
        this.sessions.delete(session);
        if (session === this.singleUser.holder) this.singleUser.holder = null;
        log.info(`session ${session.id}: closed`);
      });
    }
  }

  /** The greeting line: Citadel's `200 <nodename> Citadel server ready.` */
  async greeting(): Promise<string> {
    const node = await readConfig(this.store, "c_nodename", "ctdlsync");
    return `200 ${node} Citadel server ready.`;
  }

  /** Runs one command line for a session; every reply it writes is complete. */
  async dispatch(session: Session, line: string): Promise<void> {
    const verb = line.slice(0, 4).toUpperCase();
    const raw = line.length > 5 ? line.slice(5) : "";
    session.lastCommand = verb;
    this.singleUser.touch(session);
    const cmd: Command | undefined = Object.hasOwn(COMMANDS, verb) ? COMMANDS[verb] : undefined;
    if (
      !cmd || (!this.options.sync && SYNC_VERBS.has(verb)) || (line.length > 4 && line[4] !== " ")
    ) {
      await session.reply("530 Unrecognized or unsupported command.");
      return;
    }
    try {
      if (cmd.access !== "any" && !session.user) throw new CtdlError(520, "Not logged in.");
      if (cmd.access === "aide" && session.user!.axlevel < AxLevel.AIDE) {
        throw new CtdlError(550, "This command requires Admin access.");
      }
      await this.#current.run(
        session,
        () => cmd.run(session, raw === "" ? [] : raw.split("|"), raw),
      );
    } catch (e) {
      if (e instanceof CtdlError) {
        await session.reply(`${e.code} ${e.message}`);
      } else {
        log.error(`session ${session.id}: ${verb}: ${(e as Error).stack ?? e}`);
        await session.reply(`510 Internal error: ${(e as Error).message}`);
      }
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
    this.singleUser.end("server stopping");
    await this.store.close();
    log.info("stopped");
  }
}
