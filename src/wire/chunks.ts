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

/** Frames go to the socket a few at a time: fewer, larger writes for the same bytes. */
const FRAMES_PER_WRITE = 4;

/**
 * Packs a byte stream into frames `CHUNK <n> <crc32>` + LF + exactly n bytes. Records may
 * span frames; each frame is checked on its own, so corruption is caught where it happens.
 */
export class ChunkWriter {
  #out: BufferedWriter;
  /** Frames built and not yet written: headers and payloads laid out as on the wire. */
  #frames = new Uint8Array(FRAMES_PER_WRITE * (CHUNK_MAX + 32));
  #framesLen = 0;
  #framed = 0;
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

  /** Emits the last, partial frame and writes every frame still held. */
  async end(): Promise<void> {
    if (this.#len > 0) this.#frame();
    await this.#send();
  }

  async #emit(): Promise<void> {
    this.#frame();
    if (this.#framed >= FRAMES_PER_WRITE) await this.#send();
  }

  /** Lays out the pending payload as one frame, header first. */
  #frame(): void {
    const payload = this.#buf.subarray(0, this.#len);
    const { written } = ascii.encodeInto(
      `CHUNK ${this.#len} ${crcHex(payload)}\n`,
      this.#frames.subarray(this.#framesLen),
    );
    this.#frames.set(payload, this.#framesLen + written);
    this.#framesLen += written + payload.length;
    this.#framed++;
    this.#len = 0;
    this.chunks++;
  }

  /** One write for the frames held; a fresh buffer follows, as the socket may keep this one. */
  async #send(): Promise<void> {
    if (this.#framesLen === 0) return;
    const frames = this.#frames.subarray(0, this.#framesLen);
    this.#frames = new Uint8Array(this.#frames.length);
    this.#framesLen = 0;
    this.#framed = 0;
    await this.#out.write(frames);
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
