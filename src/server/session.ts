import { CtdlError } from "../errors.ts";
import { log } from "../log.ts";
import { getUser } from "../store/users.ts";
import type { Room, User } from "../store/tables.ts";
import { BlockReader, LineTooLongError, MAX_LINE } from "../wire/block_reader.ts";
import { BufferedWriter } from "../wire/buffered_writer.ts";
import type { CitadelServer } from "./server.ts";

/** Who may run a command: anyone, a logged-in user, or an Aide (access level 6). */
export type Access = "any" | "user" | "aide";

/** One command of the command table: one handler per verb. */
export interface Command {
  access: Access;
  /** `args` are the `|`-separated arguments after the verb; `raw` is everything after it. */
  run(s: Session, args: string[], raw: string): Promise<void>;
}

/** The command table: verb (upper case, 4 letters) to handler. */
export type CommandTable = Record<string, Command>;

let nextSessionId = 1;

/**
 * One client connection: reads command lines, dispatches them through the command table,
 * and writes replies. State that Citadel keeps per session (user, current room, MSGP
 * preferences, open file) lives here.
 */
export class Session {
  readonly id = nextSessionId++;
  readonly server: CitadelServer;
  readonly reader: BlockReader;
  readonly out: BufferedWriter;
  readonly remote: string;
  readonly started = Math.floor(Date.now() / 1000);
  /** The logged-in user, or null. */
  user: User | null = null;
  /** A name given with USER, waiting for PASS. */
  pendingUser: string | null = null;
  room: Room | null = null;
  /** MIME types the client prefers for MSG4 (MSGP). */
  preferredTypes: string[] = [];
  /**
   * `MSGP dont_decode` was sent: MSG4 sends base64 and quoted-printable parts as stored
   * (the client decodes them); without it MSG4 decodes them, as Citadel does.
   */
  msg4DontDecode = false;
  /** Client software, from IDEN. */
  client = "";
  lastCommand = "";
  lastActive = Math.floor(Date.now() / 1000);
  /** Instant messages waiting (GEXP); their presence puts `*` on NOOP replies. */
  readonly instantMessages: { from: string; time: number; text: string }[] = [];
  /** Per-family state that command files keep (open downloads, uploads ...). */
  readonly state = new Map<string, unknown>();
  #busy = false;
  #closing = false;
  readonly #closeCtl = new AbortController();
  #conn: Deno.Conn;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Resolves when the session's loop has ended. */
  readonly done: Promise<void>;
  #resolveDone!: () => void;

  constructor(server: CitadelServer, conn: Deno.Conn) {
    this.server = server;
    this.#conn = conn;
    this.reader = new BlockReader(conn.readable);
    this.out = new BufferedWriter(conn.writable);
    const addr = conn.remoteAddr as Deno.NetAddr;
    this.remote = addr.hostname ?? "local";
    this.done = new Promise((r) => this.#resolveDone = r);
  }

  /** True while a command runs (so a shutdown lets it finish). */
  get busy(): boolean {
    return this.#busy;
  }

  /** Queues one reply line. */
  reply(line: string): Promise<void> {
    return this.out.writeLine(line);
  }

  /** Sends a listing: `100 <header>`, the lines, `000`. */
  async listing(header: string, lines: Iterable<string>, code = 100): Promise<void> {
    await this.reply(`${code} ${header}`);
    for (const line of lines) await this.reply(line);
    await this.reply("000");
  }

  /** Reads a client-sent listing (after a 4xx reply) up to its `000`. */
  async readListing(maxLines = 1_000_000): Promise<string[]> {
    const lines: string[] = [];
    while (true) {
      const line = await this.reader.readLine();
      if (line === null) throw new CtdlError(500, "connection closed during upload");
      if (line === "000") return lines;
      if (lines.length >= maxLines) throw new CtdlError(511, "too many lines");
      lines.push(line);
    }
  }

  /** The logged-in user, or a 520 error. */
  requireUser(): User {
    if (!this.user) throw new CtdlError(520, "Not logged in.");
    return this.user;
  }

  /** Re-reads the logged-in user's record (another session may have changed it). */
  async refreshUser(): Promise<User> {
    const u = this.requireUser();
    this.user = await getUser(this.server.store, u.fullname) ?? u;
    return this.user;
  }

  /**
   * Aborts when the session is asked to close, so a command that runs until told to stop
   * (the follow feed) can end and let the session go.
   */
  get closeSignal(): AbortSignal {
    return this.#closeCtl.signal;
  }

  /** Asks the session to end: right away if idle, else after the running command. */
  close(): void {
    this.#closing = true;
    this.#closeCtl.abort();
    if (!this.#busy) void this.reader.cancel();
  }

  /** Runs the session until the client quits, the connection drops, or it is closed. */
  async run(): Promise<void> {
    try {
      await this.#loop();
    } catch (e) {
      if (!(e instanceof Deno.errors.BadResource || e instanceof Deno.errors.ConnectionReset)) {
        log.info(`session ${this.id}: ${(e as Error).message}`);
      }
    } finally {
      clearTimeout(this.#idleTimer);
      await this.out.close();
      try {
        this.#conn.close();
      } catch {
        // already closed
      }
      this.#resolveDone();
    }
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    const secs = this.server.options.idleSeconds;
    if (secs > 0) {
      this.#idleTimer = setTimeout(() => {
        // A command still running (a follow feed streams for hours) is not idleness.
        if (this.#busy) return this.#armIdle();
        log.info(`session ${this.id}: idle for ${secs} s, closing`);
        this.close();
      }, secs * 1000);
    }
  }

  async #loop(): Promise<void> {
    await this.reply(await this.server.greeting());
    await this.out.flush();
    while (!this.#closing) {
      this.#armIdle();
      let line: string | null;
      try {
        line = await this.reader.readLine();
      } catch (e) {
        if (e instanceof LineTooLongError) {
          await this.reply(`512 Command line longer than ${MAX_LINE} bytes refused.`);
          await this.out.flush();
          continue;
        }
        throw e;
      }
      if (line === null) return;
      this.#busy = true;
      try {
        this.lastActive = Math.floor(Date.now() / 1000);
        await this.server.dispatch(this, line);
        await this.out.flush();
      } finally {
        this.#busy = false;
      }
    }
  }
}
