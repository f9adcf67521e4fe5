const encoder = new TextEncoder();
const BLOCK = 64 * 1024;

/**
 * Collects small writes (reply lines, chunk headers) into 64 KiB blocks before they reach
 * the socket; a listing of thousands of lines becomes a few writes. Callers `flush` at the
 * end of each reply.
 */
export class BufferedWriter {
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #buf = new Uint8Array(BLOCK);
  #len = 0;
  /** Bytes handed to the stream so far. */
  bytesWritten = 0;

  constructor(stream: WritableStream<Uint8Array>) {
    this.#writer = stream.getWriter();
  }

  /** Queues bytes; large ones go straight through after what is queued. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.#len + bytes.length > BLOCK) await this.flush();
    if (bytes.length >= BLOCK) {
      await this.#send(bytes);
      return;
    }
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
  }

  /** Queues one line; the LF is added. */
  writeLine(line: string): Promise<void> {
    return this.write(encoder.encode(line + "\n"));
  }

  /** Sends what is queued. */
  async flush(): Promise<void> {
    if (this.#len === 0) return;
    const out = this.#buf.slice(0, this.#len);
    this.#len = 0;
    await this.#send(out);
  }

  async #send(bytes: Uint8Array): Promise<void> {
    await this.#writer.write(bytes);
    this.bytesWritten += bytes.length;
  }

  /** Flushes and closes the stream; errors of an already broken socket are ignored. */
  async close(): Promise<void> {
    try {
      await this.flush();
      await this.#writer.close();
    } catch {
      // peer is gone
    }
  }
}
