import { appendToRest } from "./bytes.ts";

/** Thrown by `readLine` for a line longer than allowed; the line has been consumed. */
export class LineTooLongError extends Error {
  constructor(max: number) {
    super(`line longer than ${max} bytes`);
    this.name = "LineTooLongError";
  }
}

/** Thrown when the stream ends inside something that needed more bytes. */
export class UnexpectedEofError extends Error {
  constructor(what: string) {
    super(`connection closed in the middle of ${what}`);
    this.name = "UnexpectedEofError";
  }
}

/** Citadel's SIZ is 4096: a command line is at most 4095 bytes before its LF. */
export const MAX_LINE = 4095;
const BLOCK = 64 * 1024;
/** Reads straight from a connection take up to this much: a bulk reply is read in few calls. */
const DIRECT_BLOCK = 256 * 1024;
const decoder = new TextDecoder();

/** What `Deno.Conn` offers besides its stream: a plain read into a buffer. */
export interface DirectSource {
  read(p: Uint8Array): Promise<number | null>;
}

/**
 * Reads a byte stream in 64 KiB blocks and hands out LF-terminated lines and exact byte
 * counts, so neither side ever reads byte by byte. Uses a BYOB reader where the stream
 * offers one (sockets do), a default reader otherwise; given a connection itself
 * (`DirectSource`), reads it without the stream machinery, which costs more than the
 * read itself when a pull receives megabytes.
 */
export class BlockReader {
  #byob?: ReadableStreamBYOBReader;
  #plain?: ReadableStreamDefaultReader<Uint8Array>;
  #direct?: DirectSource;
  #work = new Uint8Array(0);
  #buf: Uint8Array = new Uint8Array(0);
  #pos = 0;
  #eof = false;
  /** Bytes read from the stream so far. */
  bytesRead = 0;

  constructor(stream: ReadableStream<Uint8Array> | DirectSource) {
    if (!(stream instanceof ReadableStream)) {
      this.#direct = stream;
      return;
    }
    try {
      this.#byob = stream.getReader({ mode: "byob" });
    } catch {
      this.#plain = stream.getReader();
    }
  }

  /** Reads the next block; false at end of stream. */
  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    if (this.#direct) return await this.#fillDirect(this.#direct);
    let chunk: Uint8Array | undefined;
    if (this.#byob) {
      const r = await this.#byob.read(new Uint8Array(BLOCK));
      chunk = r.done ? undefined : r.value;
    } else {
      const r = await this.#plain!.read();
      chunk = r.done ? undefined : r.value;
    }
    if (!chunk) {
      this.#eof = true;
      return false;
    }
    this.bytesRead += chunk.length;
    this.#buf = appendToRest(this.#buf, this.#pos, chunk);
    this.#pos = 0;
    return true;
  }

  /**
   * Reads into one work buffer, the unread rest moved to its front first: everything handed
   * out is a copy, so the buffer is free to reuse, and nothing is allocated per read.
   */
  async #fillDirect(source: DirectSource): Promise<boolean> {
    const rest = this.#buf.length - this.#pos;
    let work = this.#work;
    if (work.length - rest < BLOCK) {
      work = new Uint8Array(Math.max(2 * work.length, rest + DIRECT_BLOCK));
      work.set(this.#buf.subarray(this.#pos));
      this.#work = work;
    } else if (rest > 0) {
      // #buf views the work buffer from its start, so positions are the same in both.
      work.copyWithin(0, this.#pos, this.#buf.length);
    }
    const n = await source.read(work.subarray(rest));
    if (n === null) {
      this.#eof = true;
      this.#buf = work.subarray(0, rest);
      this.#pos = 0;
      return false;
    }
    this.bytesRead += n;
    this.#buf = work.subarray(0, rest + n);
    this.#pos = 0;
    return true;
  }

  /**
   * The next line without its LF (and a CR before it), or null at end of stream. A line
   * over `max` bytes is read to its end and dropped, then LineTooLongError is thrown, so
   * the caller can answer with an error and carry on with the next line.
   */
  async readLine(max = MAX_LINE): Promise<string | null> {
    const bytes = await this.readLineBytes(max);
    return bytes === null ? null : decoder.decode(bytes);
  }

  /**
   * The next line as the bytes sent, without its LF (and a CR before it), or null at end of
   * stream; for message bodies, which must be stored byte for byte. Too long: as readLine.
   */
  async readLineBytes(max = MAX_LINE): Promise<Uint8Array | null> {
    let scanned = 0;
    let discarding = false;
    while (true) {
      const lf = this.#buf.indexOf(0x0a, this.#pos + scanned);
      if (lf >= 0) {
        if (discarding || lf - this.#pos > max + 1) {
          this.#pos = lf + 1;
          throw new LineTooLongError(max);
        }
        let end = lf;
        if (end > this.#pos && this.#buf[end - 1] === 0x0d) end--;
        const line = this.#buf.slice(this.#pos, end);
        this.#pos = lf + 1;
        return line;
      }
      scanned = this.#buf.length - this.#pos;
      if (scanned > max + 1) {
        // Drop what we have so an endless line cannot grow the buffer without bound.
        discarding = true;
        this.#pos = this.#buf.length;
        scanned = 0;
      }
      if (!await this.#fill()) {
        if (discarding) throw new LineTooLongError(max);
        if (this.#buf.length > this.#pos) {
          const line = this.#buf.slice(this.#pos);
          this.#pos = this.#buf.length;
          return line;
        }
        return null;
      }
    }
  }

  /** Reads exactly `n` bytes; throws UnexpectedEofError if the stream ends first. */
  async readExact(n: number, what = "binary data"): Promise<Uint8Array> {
    while (this.#buf.length - this.#pos < n) {
      if (!await this.#fill()) throw new UnexpectedEofError(what);
    }
    const out = this.#buf.slice(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  /** Releases the stream (used when a session is ended from outside). */
  async cancel(): Promise<void> {
    try {
      await (this.#byob ?? this.#plain)?.cancel();
    } catch {
      // already closed
    }
  }
}
