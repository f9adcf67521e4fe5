/**
 * Bounded, repeatable fuzzing (a seeded PRNG, fixed counts): damaged messages and damaged
 * record streams must only ever give the errors they are meant to give. Command lines are
 * fuzzed in sessions_test.ts.
 */
import assert from "node:assert/strict";
import { MessageFormatError, parseMessage, serializeMessage } from "../../src/message/message.ts";
import {
  encodeRecord,
  RecordDecoder,
  RecordStreamError,
  type WireRecord,
} from "../../src/wire/record_stream.ts";
import { fixtureStore } from "../_helpers.ts";
import { concat } from "../../src/wire/bytes.ts";
import { prng } from "../../src/tools/prng.ts";

/** Flips, deletes or inserts a few bytes. */
function mutate(rand: () => number, bytes: Uint8Array): Uint8Array {
  const out = Array.from(bytes);
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * (out.length + 1));
    const kind = rand();
    if (kind < 0.4 && out.length > 0) out[Math.min(at, out.length - 1)] = Math.floor(rand() * 256);
    else if (kind < 0.7) out.splice(at, 1);
    else out.splice(at, 0, Math.floor(rand() * 256));
  }
  return Uint8Array.from(out);
}

Deno.test("fuzz: damaged messages parse exactly or fail with MessageFormatError", async () => {
  const { store, cleanup } = await fixtureStore();
  try {
    const samples: Uint8Array[] = [];
    for await (const rec of store.list("messages")) samples.push(rec.value.slice(0, 4000));
    const rand = prng(42);
    let parsed = 0;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = mutate(rand, samples[i % samples.length]);
      try {
        const msg = parseMessage(bytes);
        assert.deepEqual(serializeMessage(msg), bytes, "what parses round-trips");
        parsed++;
      } catch (e) {
        if (!(e instanceof MessageFormatError)) throw e;
        refused++;
      }
    }
    assert.ok(parsed > 0 && refused > 0, `parsed ${parsed}, refused ${refused}`);
  } finally {
    await cleanup();
  }
});

/** The bytes of several records, one after the other, as a bulk reply carries them. */
function encodeAll(records: WireRecord[]): Uint8Array {
  return concat(records.map(encodeRecord));
}

/** Decodes `bytes` pushed in two payloads split at `cut`, as chunks would bring them. */
function decodeSplit(bytes: Uint8Array, cut: number): WireRecord[] {
  const d = new RecordDecoder();
  const records = [...d.push(bytes.slice(0, cut)), ...d.push(bytes.slice(cut))];
  d.finish();
  return records;
}

Deno.test("fuzz: damaged record streams decode to exactly their bytes or fail with RecordStreamError", () => {
  const rand = prng(7);
  const enc = new TextEncoder();
  const originals: WireRecord[] = [
    { key: enc.encode('["k",1]'), value: enc.encode("value"), stamp: 9 },
    { key: enc.encode('["k",2]'), value: null, stamp: 10 },
    { key: enc.encode('["k",3]'), value: enc.encode("a longer value of bytes"), stamp: 11 },
  ];
  const good = encodeAll(originals);
  for (let cut = 0; cut <= good.length; cut++) {
    assert.deepEqual(decodeSplit(good, cut), originals, `undamaged, split at ${cut}`);
  }
  let ok = 0;
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    const bytes = mutate(rand, good);
    const cut = Math.floor(rand() * (bytes.length + 1));
    let records: WireRecord[];
    try {
      records = decodeSplit(bytes, cut);
    } catch (e) {
      if (!(e instanceof RecordStreamError)) throw e;
      refused++;
      continue;
    }
    // What decodes accounts for every byte: the records encode back to the damaged stream.
    assert.deepEqual(encodeAll(records), bytes, `stream ${i} decoded to other bytes`);
    ok++;
  }
  assert.ok(ok > 0 && refused > 0, `decoded ${ok}, refused ${refused}`);
});
