import { crc32 } from "node:zlib";
import type { BlockReader } from "./block_reader.ts";
import type { BufferedWriter } from "./buffered_writer.ts";

const ascii = new TextEncoder();

/** The largest chunk payload: 64 KiB less one, as the sync proposal's `CHUNK 65535`. */
export const CHUNK_MAX = 65535;

/** A chunk that failed its check, or a frame that is not a chunk; carries the reason. */
export class ChunkError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "ChunkError";
  }
}

/** CRC-32 (the zlib polynomial) of some bytes, as 8 hex digits. */
export function crcHex(bytes: Uint8Array): string {
  return (crc32(bytes) >>> 0).toString(16).padStart(8, "0");
}

/**
 * Packs a byte stream into frames `CHUNK <n> <crc32>` + LF + exactly n bytes. Records may
 * span frames; each frame is checked on its own, so corruption is caught where it happens.
 */
export class ChunkWriter {
  #out: BufferedWriter;
  #buf = new Uint8Array(CHUNK_MAX);
  #len = 0;
  /** Frames written. */
  chunks = 0;

  constructor(out: BufferedWriter) {
    this.#out = out;
  }

  /** Adds bytes to the stream, emitting full frames as they fill. */
  async write(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) {
      const n = Math.min(CHUNK_MAX - this.#len, bytes.length - off);
      this.#buf.set(bytes.subarray(off, off + n), this.#len);
      this.#len += n;
      off += n;
      if (this.#len === CHUNK_MAX) await this.#emit();
    }
  }

  /** Emits the last, partial frame. */
  async end(): Promise<void> {
    if (this.#len > 0) await this.#emit();
  }

  /** Header and payload as one write: a frame costs one trip to the socket, not two. */
  async #emit(): Promise<void> {
    const payload = this.#buf.subarray(0, this.#len);
    const header = ascii.encode(`CHUNK ${this.#len} ${crcHex(payload)}\n`);
    const frame = new Uint8Array(header.length + payload.length);
    frame.set(header);
    frame.set(payload, header.length);
    await this.#out.write(frame);
    this.#len = 0;
    this.chunks++;
  }
}

/** What `readFrame` found: a verified chunk payload, or the first line that is not a chunk. */
export type Frame = { chunk: Uint8Array } | { line: string };

/**
 * Reads the next frame. A `CHUNK` line with a bad size or a payload whose CRC does not
 * match throws ChunkError; any other line is returned for the caller to interpret.
 */
export async function readFrame(reader: BlockReader): Promise<Frame> {
  const line = await reader.readLine();
  if (line === null) throw new ChunkError("connection closed before the end of the reply");
  if (!line.startsWith("CHUNK ")) return { line };
  const m = /^CHUNK (\d{1,5}) ([0-9a-f]{8})$/.exec(line);
  if (!m) throw new ChunkError(`malformed chunk header '${line.slice(0, 80)}'`);
  const n = Number(m[1]);
  if (n < 1 || n > CHUNK_MAX) throw new ChunkError(`chunk size ${n} is out of range`);
  const payload = await reader.readExact(n, "a chunk");
  if (crcHex(payload) !== m[2]) {
    throw new ChunkError(`chunk CRC mismatch (want ${m[2]}, got ${crcHex(payload)})`);
  }
  return { chunk: payload };
}
