import { CtdlError } from "../errors.ts";
import { BlockReader } from "../wire/block_reader.ts";
import { BufferedWriter } from "../wire/buffered_writer.ts";

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

/** Splits `HOST:PORT` (IPv6 as `[::1]:504`); the port defaults to Citadel's 504. */
export function parseAddress(addr: string, defaultPort = 504): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(addr.trim());
  if (!m) throw new CtdlError(512, `'${addr}' is not HOST:PORT`);
  const port = m[3] ? Number(m[3]) : defaultPort;
  if (port < 1 || port > 65535) throw new CtdlError(512, `port ${port} is out of range`);
  return { hostname: m[1] ?? m[2], port };
}

/**
 * A Citadel protocol client over one TCP (or TLS) connection, reading in 64 KiB blocks.
 * Used by `pull`, `verify` and the tests.
 */
export class CitadelClient {
  readonly reader: BlockReader;
  readonly out: BufferedWriter;
  readonly greeting: Reply;
  #conn: Deno.Conn;

  private constructor(conn: Deno.Conn, reader: BlockReader, greeting: Reply) {
    this.#conn = conn;
    this.reader = reader;
    this.out = new BufferedWriter(conn.writable);
    this.greeting = greeting;
  }

  /** Connects and reads the greeting; a non-2xx greeting (e.g. 551) is a ConnectionError. */
  static async connect(
    address: string,
    opts: { tls?: boolean; caCerts?: string[]; greetingSeconds?: number } = {},
  ) {
    const { hostname, port } = parseAddress(address);
    let conn: Deno.Conn;
    try {
      conn = opts.tls
        ? await Deno.connectTls({ hostname, port, caCerts: opts.caCerts })
        : await Deno.connect({ hostname, port });
    } catch (e) {
      throw new ConnectionError(`cannot connect to ${address}: ${(e as Error).message}`);
    }
    const reader = new BlockReader(conn.readable);
    let line: string | null;
    const secs = opts.greetingSeconds ?? 30;
    // Something that is not a Citadel server (or a TLS port spoken to in plain text) may
    // never greet: close after a while instead of waiting forever.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      closeQuietly(conn);
    }, secs * 1000);
    try {
      line = await reader.readLine();
    } catch (e) {
      // A TLS handshake failure surfaces here, at the first read.
      closeQuietly(conn);
      throw new ConnectionError(
        timedOut
          ? `${address} sent no greeting within ${secs} s`
          : `${address}: ${(e as Error).message}`,
      );
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) throw new ConnectionError(`${address} sent no greeting within ${secs} s`);
    if (line === null) {
      closeQuietly(conn);
      throw new ConnectionError(`${address} closed the connection without a greeting`);
    }
    const greeting = parseReply(line);
    if (Math.floor(greeting.code / 100) !== 2) {
      closeQuietly(conn);
      throw new ConnectionError(`${address} refused the session: ${line}`);
    }
    return new CitadelClient(conn, reader, greeting);
  }

  /** Sends one command line and reads one reply line. */
  async command(line: string): Promise<Reply> {
    await this.send(line);
    return await this.readReply();
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
  async readReply(): Promise<Reply> {
    const line = await this.reader.readLine(1 << 20).catch((e) => {
      throw new ConnectionError(`connection lost: ${(e as Error).message}`);
    });
    if (line === null) throw new ConnectionError("server closed the connection");
    return parseReply(line);
  }

  /** Reads listing lines up to `000`. */
  async readListing(): Promise<string[]> {
    const lines: string[] = [];
    while (true) {
      const line = await this.reader.readLine(1 << 20);
      if (line === null) throw new ConnectionError("server closed the connection in a listing");
      if (line === "000") return lines;
      lines.push(line);
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

  /** Sends QUIT (best effort) and closes. */
  async quit(): Promise<void> {
    try {
      await this.command("QUIT");
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
