import { Code, CtdlError } from "../errors.ts";
import { log } from "../log.ts";
import { fromBinaryString } from "../message/binary_string.ts";
import type { Room, User } from "../store/tables.ts";
import { getUserByNumber } from "../store/users.ts";
import {
  BlockReader,
  LineTooLongError,
  MAX_LINE,
  UnexpectedEofError,
} from "../wire/block_reader.ts";
import { BufferedWriter } from "../wire/buffered_writer.ts";
import { ChunkWriter } from "../wire/chunks.ts";
import type { ServerContext } from "./context.ts";
import { newSessionState, type SessionState } from "./session_state.ts";
import { readClientText, type ReadTextOptions } from "./client_text.ts";
import { timedWritable } from "./timed_writable.ts";

let nextSessionId = 1;

/**
 * One client connection, in the shape of smtp-server's connection: it reads command lines,
 * hands each to the server's dispatcher, and owns every multi-step mode a command needs
 * (send a listing, send binary, read a listing up to `000`, read n bytes). Commands never
 * touch the socket; they call these methods. State Citadel keeps per session (user,
 * current room, MSGP preferences, open files) lives here.
 */
export class Session {
  readonly id = nextSessionId++;
  readonly server: ServerContext;
  readonly remote: string;
  readonly started = Math.floor(Date.now() / 1000);
  /** The logged-in user (re-read before every command), or null. */
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
  /** Unrecognized commands in a row; the dispatcher ends a session that sends only junk. */
  unrecognized = 0;
  /** Instant messages waiting (GEXP); their presence puts `*` on NOOP replies. */
  readonly instantMessages: { from: string; time: number; text: string; address?: string }[] = [];
  /** The host the client says it serves (IDEN's fifth field), shown by RWHO. */
  clientHost = "";
  /** STEL 1: hidden from other users' RWHO. */
  stealth = false;
  /** ASYN 1: the server announces pages on its own with `902 instant msg`. */
  asyncMode = false;
  /** DEXP 1: pages from non-Aides are refused. */
  pagesDisabled = false;
  /** The last user this session was paged by (SEXP without arguments answers them). */
  lastPager = "";
  /** Mail arrived for this user since the last mailbox GOTO (GOTO's field 9). */
  newMail = false;
  readonly #pendingNotices: string[] = [];
  /** Per-family state, one typed slot per command family. */
  readonly state: SessionState = newSessionState();
  /** Seconds of silence (or of a stalled write) after which the session ends. */
  idleSeconds: number;
  readonly #reader: BlockReader;
  readonly #out: BufferedWriter;
  #busy = false;
  #closing = false;
  #aborted = false;
  readonly #closeCtl = new AbortController();
  #conn: Deno.Conn;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Resolves when the session's loop has ended. */
  readonly done: Promise<void>;
  #resolveDone!: () => void;

  constructor(server: ServerContext, conn: Deno.Conn, remote: string) {
    this.server = server;
    this.#conn = conn;
    this.remote = remote;
    this.idleSeconds = server.options.idleSeconds ?? 900;
    this.#reader = new BlockReader(conn.readable);
    this.#out = new BufferedWriter(
      timedWritable(conn.writable, () => this.idleSeconds, () => {
        log.info(`session ${this.id}: client stopped reading for ${this.idleSeconds} s, ending`);
        this.abort();
      }),
    );
    this.done = new Promise((r) => this.#resolveDone = r);
  }

  /** True while a command runs (so a shutdown lets it finish). */
  get busy(): boolean {
    return this.#busy;
  }

  /** Bytes moved either way so far: a command that moves none is not making progress. */
  get progress(): number {
    return this.#reader.bytesRead + this.#out.bytesWritten;
  }

  /** Queues one reply line. */
  reply(line: string): Promise<void> {
    return this.#out.writeLine(line);
  }

  /** Sends what is queued (before a wait, so the client sees the reply that explains it). */
  flush(): Promise<void> {
    return this.#out.flush();
  }

  /** Sends a listing: `<code> <header>`, the lines, `000`. */
  async listing(header: string, lines: Iterable<string>, code = Code.LISTING_FOLLOWS) {
    await this.reply(`${code} ${header}`);
    await this.listingBody(lines);
  }

  /**
   * Sends listing lines and the closing `000`, without a header (after an 8xx reply).
   * `binary` lines are binary strings: each character is one byte, sent as stored.
   */
  async listingBody(lines: Iterable<string>, binary = false): Promise<void> {
    for (const line of lines) {
      if (binary) await this.#out.write(fromBinaryString(line + "\n"));
      else await this.reply(line);
    }
    await this.reply("000");
  }

  /** Sends `<code> <header>` and lines given as binary strings (sent as stored), `000`. */
  async binaryListing(header: string, lines: Iterable<string>, code = Code.LISTING_FOLLOWS) {
    await this.reply(`${code} ${header}`);
    await this.listingBody(lines, true);
  }

  /** Sends a 6xx reply line and its bytes. */
  async sendBinary(header: string, bytes: Uint8Array): Promise<void> {
    await this.reply(header);
    await this.sendBytes(bytes);
  }

  /**
   * Sends a line the server starts on its own (ASYN's `902`): at once when the session is
   * idle, else right after the running command's reply.
   */
  async notify(line: string): Promise<void> {
    if (this.#busy) {
      this.#pendingNotices.push(line);
      return;
    }
    await this.reply(line);
    await this.flush();
  }

  /** Sends raw bytes: the body of a 600 reply, or a stream (MIGR, CHUNK frames). */
  sendBytes(bytes: Uint8Array): Promise<void> {
    return this.#out.write(bytes);
  }

  /** A CHUNK frame writer over this session's output (SYNC's bulk replies). */
  chunkWriter(): ChunkWriter {
    return new ChunkWriter(this.#out);
  }

  /** Reads a client-sent listing (after a 4xx reply) up to its `000`. */
  readListing(maxLines = 1_000_000): Promise<string[]> {
    return this.readText({ maxLines });
  }

  /**
   * Reads client lines up to `000`, flushing the reply that asked for them first. Too long
   * lines and text past `maxBytes` are read and dropped, so the client stays in step.
   */
  async readText(opts: ReadTextOptions = {}): Promise<string[]> {
    await this.flush();
    this.#armIdle();
    try {
      return await readClientText(this.#reader, opts);
    } finally {
      clearTimeout(this.#idleTimer);
    }
  }

  /**
   * Reads exactly `n` bytes (after a 7xx reply), flushing that reply first. null when the
   * client went away in the middle: the session then ends.
   */
  async readBytes(n: number, what = "binary data"): Promise<Uint8Array | null> {
    await this.flush();
    this.#armIdle();
    try {
      return await this.#reader.readExact(n, what);
    } catch (e) {
      if (!(e instanceof UnexpectedEofError)) throw e;
      this.close();
      return null;
    } finally {
      clearTimeout(this.#idleTimer);
    }
  }

  /** The logged-in user, or a 520 error. */
  requireUser(): User {
    if (!this.user) throw new CtdlError(Code.NOT_LOGGED_IN, "Not logged in.");
    return this.user;
  }

  /** Re-reads the logged-in user's record (another session may have changed it); 520 if gone. */
  async refreshUser(): Promise<User> {
    this.requireUser();
    return await this.recheckUser() ?? this.requireUser();
  }

  /**
   * Re-reads the logged-in user's record before a command, so rights follow the current
   * record (a demoted Aide is no longer one). A user who has been deleted is logged out:
   * the session goes on, not logged in.
   */
  async recheckUser(): Promise<User | null> {
    if (!this.user) return null;
    const fresh = await getUserByNumber(this.server.store, this.user.usernum);
    if (!fresh || fresh.axlevel === 0) {
      log.info(`session ${this.id}: ${this.user.fullname} no longer exists, logged out`);
      this.user = null;
      this.pendingUser = null;
      this.room = null;
      return null;
    }
    this.user = fresh;
    return fresh;
  }

  /**
   * Aborts when the session is asked to close or is ended, so a command that runs until
   * told to stop (the follow feed) can end and let the session go.
   */
  get closeSignal(): AbortSignal {
    return this.#closeCtl.signal;
  }

  /**
   * Reads the client's next line while a command is still streaming its reply (the follow
   * feed's stop request); null when the client went away.
   */
  readLineDuringReply(): Promise<string | null> {
    return this.#reader.readLine();
  }

  /** Asks the session to end: right away if idle, else after the running command. */
  close(): void {
    this.#closing = true;
    this.#closeCtl.abort();
    if (!this.#busy) void this.#reader.cancel();
  }

  /**
   * Ends the session now, even inside a command: the socket is closed, so a command stuck
   * writing to a client that does not read fails at once.
   */
  abort(): void {
    this.#closing = true;
    this.#aborted = true;
    this.#closeCtl.abort();
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  /** Runs the session until the client quits, the connection drops, or it is closed. */
  async run(): Promise<void> {
    try {
      await this.#loop();
    } catch (e) {
      if (!isDisconnect(e)) log.info(`session ${this.id}: ${(e as Error).message}`);
    } finally {
      clearTimeout(this.#idleTimer);
      // After abort() a write may still be pending on the socket (a TLS handshake that
      // never completes holds it); waiting for it would keep this session forever.
      if (!this.#aborted) await this.#out.close();
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
    const secs = this.idleSeconds;
    if (secs > 0) {
      this.#idleTimer = setTimeout(() => {
        log.info(`session ${this.id}: idle for ${secs} s, closing`);
        this.abort();
      }, secs * 1000);
    }
  }

  async #loop(): Promise<void> {
    // The timer runs from the start: a TLS client that never finishes its handshake (the
    // greeting cannot be sent before it) is ended like a silent one.
    this.#armIdle();
    const greeting = await this.server.admit(this);
    this.idleSeconds = greeting.idleSeconds;
    this.#armIdle();
    await this.reply(greeting.line);
    await this.flush();
    if (!greeting.ok) return;
    while (!this.#closing) {
      this.#armIdle();
      let line: string | null;
      try {
        line = await this.#reader.readLine();
      } catch (e) {
        if (e instanceof LineTooLongError) {
          await this.reply(
            `${Code.ILLEGAL_VALUE} Command line longer than ${MAX_LINE} bytes refused.`,
          );
          await this.flush();
          continue;
        }
        throw e;
      }
      if (line === null) return;
      clearTimeout(this.#idleTimer);
      this.#busy = true;
      try {
        this.lastActive = Math.floor(Date.now() / 1000);
        await this.server.dispatch(this, line);
        for (const notice of this.#pendingNotices.splice(0)) await this.reply(notice);
        await this.flush();
      } finally {
        this.#busy = false;
      }
    }
  }
}

/** Errors that only mean the peer went away (or the session was ended from outside). */
export function isDisconnect(e: unknown): boolean {
  return e instanceof Deno.errors.BadResource || e instanceof Deno.errors.ConnectionReset ||
    e instanceof Deno.errors.BrokenPipe || e instanceof Deno.errors.Interrupted ||
    e instanceof Deno.errors.NotConnected || e instanceof Deno.errors.TimedOut;
}
