import assert from "node:assert/strict";
import { concat } from "../../src/wire/bytes.ts";
import { BlockReader, LineTooLongError, UnexpectedEofError } from "../../src/wire/block_reader.ts";
import { BufferedWriter } from "../../src/wire/buffered_writer.ts";
import { ChunkError, ChunkWriter, readFrame } from "../../src/wire/chunks.ts";
import { encodeRecord, RecordDecoder, RecordStreamError } from "../../src/wire/record_stream.ts";

const enc = new TextEncoder();

/** A stream that delivers the given pieces as separate reads (to split lines and frames). */
function streamOf(...pieces: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    type: "bytes",
    start(c) {
      // enqueue transfers the buffer, so each piece gets its own copy.
      for (const p of pieces) c.enqueue(typeof p === "string" ? enc.encode(p) : p.slice());
      c.close();
    },
  });
}

/** Collects what a BufferedWriter writes. */
function sink() {
  const parts: Uint8Array[] = [];
  const stream = new WritableStream<Uint8Array>({ write: (c) => void parts.push(c.slice()) });
  const bytes = () => concat(parts);
  return { writer: new BufferedWriter(stream), bytes };
}

Deno.test("block reader: lines split across reads, CRLF and LF, final line without LF", async () => {
  const r = new BlockReader(streamOf("NO", "OP\r\nUSER ali", "ce\nPASS x\n", "QUIT"));
  assert.equal(await r.readLine(), "NOOP");
  assert.equal(await r.readLine(), "USER alice");
  assert.equal(await r.readLine(), "PASS x");
  assert.equal(await r.readLine(), "QUIT");
  assert.equal(await r.readLine(), null);
});

Deno.test("block reader: an overlong line is refused and the next line still reads", async () => {
  const long = "X".repeat(10_000);
  const r = new BlockReader(streamOf(long.slice(0, 5000), long.slice(5000) + "\nNOOP\n"));
  await assert.rejects(r.readLine(), LineTooLongError);
  assert.equal(await r.readLine(), "NOOP");
  const exact = new BlockReader(streamOf("Y".repeat(4095) + "\n"));
  assert.equal((await exact.readLine())?.length, 4095);
});

Deno.test("block reader: exact reads mix with lines; a short stream is an error", async () => {
  const r = new BlockReader(streamOf("600 5\nab", "cdeNEXT\n"));
  assert.equal(await r.readLine(), "600 5");
  assert.deepEqual(await r.readExact(5), enc.encode("abcde"));
  assert.equal(await r.readLine(), "NEXT");
  const short = new BlockReader(streamOf("abc"));
  await assert.rejects(short.readExact(5), UnexpectedEofError);
});

Deno.test("chunks: a byte stream is framed in 65535-byte chunks and read back", async () => {
  const data = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 31) & 255);
  const { writer, bytes } = sink();
  const cw = new ChunkWriter(writer);
  await cw.write(data.subarray(0, 70_000));
  await cw.write(data.subarray(70_000));
  await cw.end();
  await writer.writeLine("END");
  await writer.flush();
  assert.equal(cw.chunks, 4);
  const raw = bytes();
  const r = new BlockReader(
    streamOf(raw.subarray(0, 1000), raw.subarray(1000, 100_000), raw.subarray(100_000)),
  );
  const got: Uint8Array[] = [];
  while (true) {
    const f = await readFrame(r);
    if ("line" in f) {
      assert.equal(f.line, "END");
      break;
    }
    assert.ok(f.chunk.length <= 65535);
    got.push(f.chunk);
  }
  const joined = new Uint8Array(got.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of got) {
    joined.set(p, o);
    o += p.length;
  }
  assert.deepEqual(joined, data);
});

Deno.test("chunks: a flipped byte fails the CRC; bad headers are refused", async () => {
  const { writer, bytes } = sink();
  const cw = new ChunkWriter(writer);
  await cw.write(enc.encode("hello world"));
  await cw.end();
  await writer.flush();
  const raw = bytes();
  raw[raw.length - 3] ^= 0x01;
  await assert.rejects(
    readFrame(new BlockReader(streamOf(raw))),
    (e: ChunkError) => /CRC mismatch/.test(e.message),
  );
  await assert.rejects(readFrame(new BlockReader(streamOf("CHUNK 70000 00000000\n"))), ChunkError);
  await assert.rejects(readFrame(new BlockReader(streamOf("CHUNK ten abc\n"))), ChunkError);
  await assert.rejects(
    readFrame(new BlockReader(streamOf("CHUNK 10 00000000\nabc"))),
    UnexpectedEofError,
  );
});

Deno.test("record stream: records spanning pushes decode; damage is caught", () => {
  const recs = [
    { key: enc.encode('["a"]'), value: enc.encode("1"), stamp: 5 },
    { key: enc.encode('["b"]'), value: null, stamp: 6 },
    { key: enc.encode("[7]"), value: new Uint8Array(100_000).fill(9), stamp: 7 },
  ];
  const all = recs.map(encodeRecord);
  const joined = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of all) {
    joined.set(p, o);
    o += p.length;
  }
  const d = new RecordDecoder();
  const out = [];
  for (let i = 0; i < joined.length; i += 777) out.push(...d.push(joined.subarray(i, i + 777)));
  d.finish();
  assert.deepEqual(out, recs);
  const cut = new RecordDecoder();
  cut.push(joined.subarray(0, joined.length - 10));
  assert.throws(() => cut.finish(), RecordStreamError);
  const bad = joined.slice();
  bad[0] = 0x58;
  assert.throws(() => new RecordDecoder().push(bad), RecordStreamError);
});
