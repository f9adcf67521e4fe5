import { Code, CtdlError } from "../errors.ts";
import { BlockReader } from "../wire/block_reader.ts";
import { BufferedWriter } from "../wire/buffered_writer.ts";
import { type Frame, readFrame } from "../wire/chunks.ts";
import { tlsHint, tlsProblem } from "./tls_hint.ts";

/** One reply line, split into code and text. */
export interface Reply {
  code: number;
  text: string;
  line: string;
}

/** A connection failure or a server that does not answer as Citadel does (exit code 2). */
export class ConnectionError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "ConnectionError";
  }
}

/** The server sent nothing for longer than the read timeout; the connection is closed. */
export class ReadTimeoutError extends ConnectionError {
  constructor(address: string, seconds: number) {
    super(`${address} sent nothing for ${seconds} s; gave up (--timeout SECS to wait longer)`);
    this.name = "ReadTimeoutError";
  }
}

/** How to connect: TLS, trusted CAs (PEM texts), and how long a read may wait. */
export interface ConnectOptions {
  tls?: boolean;
  caCerts?: string[];
  /** Seconds any read (greeting, reply, chunk) may wait before the connection is given up. */
  timeoutSeconds?: number;
  /** Seconds without a greeting before the port is checked for TLS (plain connections). */
  tlsProbeSeconds?: number;
}

/** The default read timeout: a stalled source is given up after a minute. */
export const DEFAULT_TIMEOUT_SECONDS = 60;

/** Splits `HOST:PORT` (IPv6 as `[::1]:504`); the port defaults to Citadel's 504. */
export function parseAddress(addr: string, defaultPort = 504): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(addr.trim());
  if (!m) throw new CtdlError(Code.ILLEGAL_VALUE, `'${addr}' is not HOST:PORT`);
  const port = m[3] ? Number(m[3]) : defaultPort;
  if (port < 1 || port > 65535) {
    throw new CtdlError(Code.ILLEGAL_VALUE, `port ${port} is out of range`);
  }
  return { hostname: m[1] ?? m[2], port };
}

/**
 * Races `p` against a timer; when the timer wins, `onTimeout` runs (it closes the socket, so
 * the pending read ends too) and the returned error is thrown.
 */
async function within<T>(
  p: Promise<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  if (!(ms > 0)) return await p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A Citadel protocol client over one TCP (or TLS) connection, reading in 64 KiB blocks.
 * Every read is bounded by the read timeout. Used by `pull`, `verify` and the tests.
 */
export class CitadelClient {
  readonly reader: BlockReader;
  readonly out: BufferedWriter;
  readonly greeting: Reply;
  readonly address: string;
  #conn: Deno.Conn;
  #timeoutMs: number;

  private constructor(
    conn: Deno.Conn,
    reader: BlockReader,
    greeting: Reply,
    address: string,
    timeoutMs: number,
  ) {
    this.#conn = conn;
    this.reader = reader;
    this.out = new BufferedWriter(conn.writable);
    this.greeting = greeting;
    this.address = address;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Connects and reads the greeting. A non-2xx greeting (e.g. 551), no greeting, a TLS port
   * spoken to in plain text and an untrusted certificate are ConnectionErrors naming the fix.
   */
  static async connect(address: string, opts: ConnectOptions = {}): Promise<CitadelClient> {
    const { hostname, port } = parseAddress(address);
    const secs = opts.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    let conn: Deno.Conn;
    try {
      const connecting: Promise<Deno.Conn> = opts.tls
        ? Deno.connectTls({ hostname, port, caCerts: opts.caCerts })
        : Deno.connect({ hostname, port });
      conn = await within(connecting, secs * 1000, () => new ReadTimeoutError(address, secs));
    } catch (e) {
      if (e instanceof ConnectionError) throw e;
      throw new ConnectionError(`cannot connect to ${address}: ${(e as Error).message}`);
    }
    const reader = new BlockReader(conn);
    const line = await readGreeting(conn, reader, address, hostname, port, opts, secs);
    const greeting = parseReply(line);
    if (Math.floor(greeting.code / 100) !== 2) {
      closeQuietly(conn);
      throw new ConnectionError(`${address} refused the session: ${line}`);
    }
    return new CitadelClient(conn, reader, greeting, address, secs * 1000);
  }

  /** Runs one read under the read timeout (`extraSeconds` more for commands that wait). */
  timed<T>(p: Promise<T>, extraSeconds = 0): Promise<T> {
    const ms = this.#timeoutMs > 0 ? this.#timeoutMs + extraSeconds * 1000 : 0;
    return within(p, ms, () => {
      this.close();
      return new ReadTimeoutError(this.address, ms / 1000);
    });
  }

  /** Sends one command line and reads one reply line. */
  async command(line: string, opts: { waitSeconds?: number } = {}): Promise<Reply> {
    await this.send(line);
    return await this.readReply(opts.waitSeconds);
  }

  /** Sends one line without reading. */
  async send(line: string): Promise<void> {
    try {
      await this.out.writeLine(line);
      await this.out.flush();
    } catch (e) {
      throw new ConnectionError(`connection lost: ${(e as Error).message}`);
    }
  }

  /** Reads one reply line. */
  async readReply(waitSeconds = 0): Promise<Reply> {
    const line = await this.#line(waitSeconds);
    if (line === null) throw new ConnectionError("server closed the connection");
    return parseReply(line);
  }

  /** Reads one CHUNK frame or line of a bulk reply. */
  frame(): Promise<Frame> {
    return this.timed(readFrame(this.reader));
  }

  /** Reads listing lines up to `000`. */
  async readListing(): Promise<string[]> {
    const lines: string[] = [];
    while (true) {
      const line = await this.#line();
      if (line === null) throw new ConnectionError("server closed the connection in a listing");
      if (line === "000") return lines;
      lines.push(line);
    }
  }

  async #line(waitSeconds = 0): Promise<string | null> {
    try {
      return await this.timed(this.reader.readLine(1 << 20), waitSeconds);
    } catch (e) {
      if (e instanceof ConnectionError) throw e;
      throw new ConnectionError(`connection lost: ${(e as Error).message}`);
    }
  }

  /** Sends a command that answers with a listing; throws CtdlError for a non-1xx reply. */
  async listing(line: string): Promise<{ reply: Reply; lines: string[] }> {
    const reply = await this.command(line);
    if (Math.floor(reply.code / 100) !== 1) throw new CtdlError(reply.code, reply.text);
    return { reply, lines: await this.readListing() };
  }

  /** USER + PASS; a refusal becomes a CtdlError with the server's code and text. */
  async login(user: string, password: string): Promise<Reply> {
    const u = await this.command(`USER ${user}`);
    if (Math.floor(u.code / 100) !== 3) throw new CtdlError(u.code, `login refused: ${u.text}`);
    const p = await this.command(`PASS ${password}`);
    if (Math.floor(p.code / 100) !== 2) throw new CtdlError(p.code, `login refused: ${p.text}`);
    return p;
  }

  /** Sends QUIT (best effort, waiting at most a few seconds) and closes. */
  async quit(): Promise<void> {
    try {
      await this.send("QUIT");
      await within(this.reader.readLine(), 3000, () => new Error("no reply to QUIT"));
    } catch {
      // already gone
    }
    this.close();
  }

  /** Closes the connection at once. */
  close(): void {
    closeQuietly(this.#conn);
  }
}

/**
 * Reads the greeting. A plain connection that hears nothing for `tlsProbeSeconds` asks the
 * port for a TLS handshake on the side, so a TLS port is named as such within seconds
 * instead of after the full read timeout.
 */
async function readGreeting(
  conn: Deno.Conn,
  reader: BlockReader,
  address: string,
  hostname: string,
  port: number,
  opts: ConnectOptions,
  secs: number,
): Promise<string> {
  const fail = (why: string) => {
    closeQuietly(conn);
    return new ConnectionError(why);
  };
  const reading = reader.readLine();
  let probe: ReturnType<typeof setTimeout> | undefined;
  const tlsFound = opts.tls ? null : new Promise<string>((resolve) => {
    probe = setTimeout(async () => {
      if (await tlsHint(hostname, port)) resolve(`${address} speaks TLS on this port; add --tls`);
    }, (opts.tlsProbeSeconds ?? 3) * 1000);
  });
  let line: string | null;
  try {
    line = await within(
      tlsFound
        ? Promise.race([reading, tlsFound.then((why) => Promise.reject(fail(why)))])
        : reading,
      secs * 1000,
      () => fail(`${address} sent no greeting within ${secs} s`),
    );
  } catch (e) {
    if (e instanceof ConnectionError) throw e;
    // A TLS handshake failure surfaces here, at the first read.
    throw fail(`${address}: ${opts.tls ? tlsProblem(e as Error) : (e as Error).message}`);
  } finally {
    clearTimeout(probe);
  }
  if (line === null) {
    if (!opts.tls && await tlsHint(hostname, port)) {
      throw fail(`${address} speaks TLS on this port; add --tls`);
    }
    throw fail(`${address} closed the connection without a greeting`);
  }
  // A TLS record (handshake 0x16 or alert 0x15, version 3.x) where a greeting belongs.
  const c0 = line.charCodeAt(0);
  if ((c0 === 0x15 || c0 === 0x16) && line.charCodeAt(1) === 0x03) {
    throw fail(`${address} speaks TLS on this port; add --tls`);
  }
  return line;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/** Parses `DDD text` (also `DDD*text`, the instant-message flag). */
export function parseReply(line: string): Reply {
  const m = /^(\d{3})[ *]?(.*)$/s.exec(line);
  if (!m) throw new ConnectionError(`not a Citadel reply: '${line.slice(0, 80)}'`);
  return { code: Number(m[1]), text: m[2], line };
}
