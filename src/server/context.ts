import type { Store } from "../store/store.ts";
import type { Session } from "./session.ts";
import type { SingleUser } from "./single_user.ts";

/** How a server is set up. */
export interface ServerOptions {
  hostname: string;
  /** 0 picks a free port (tests, demo). */
  port: number;
  /**
   * Seconds a connection may stay silent before it is closed, and a stalled write or TLS
   * handshake may take. Given (`--idle`), it wins; unset, Citadel's `c_sleeping` applies
   * when above 0, else 900.
   */
  idleSeconds?: number;
  /** Answer SYNC/SNGL/ESNG; off makes the server look like a stock Citadel (530). */
  sync: boolean;
  /** PEM files for a TLS listener instead of plain TCP. */
  tls?: { certFile: string; keyFile: string };
  /**
   * What `MIGR export` streams: the store as a MIGR document. The exporter is application
   * code (src/app/migr_export.ts) that cli/serve.ts hands in; without it, MIGR answers 530.
   */
  migrExport?: (store: Store) => AsyncIterable<string>;
  /**
   * `HOST:PORT` of the source this store follows (a live replica): every write from a
   * client session is refused with a reply naming it; the follower's own writes pass.
   */
  replicaOf?: string;
}

/**
 * What a session needs from the server that runs it. Session depends on this interface,
 * not on the server class, so the two modules do not import each other.
 */
export interface ServerContext {
  readonly store: Store;
  readonly options: ServerOptions;
  readonly sessions: Set<Session>;
  readonly singleUser: SingleUser;
  /** Unix time the server started (TIME). */
  readonly startTime: number;
  /** The first line a new connection gets, and whether the session may go on after it. */
  admit(session: Session): Promise<{ line: string; ok: boolean; idleSeconds: number }>;
  /** Runs one command line for a session. */
  dispatch(session: Session, line: string): Promise<void>;
}
