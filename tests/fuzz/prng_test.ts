import assert from "node:assert/strict";
import { prng } from "../../src/tools/prng.ts";

Deno.test("prng: mulberry32 known answers, so a seed in a report replays the same run", () => {
  const r = prng(2026);
  assert.deepEqual([r(), r(), r()], [0.45540769933722913, 0.30849614599719644, 0.6611574492417276]);
  assert.equal(prng(0)(), 0.26642920868471265);
  // Seeds are taken modulo 2^32, and every value lies in [0, 1).
  assert.equal(prng(2 ** 32 + 5)(), prng(5)());
  const s = prng(1);
  for (let i = 0; i < 10_000; i++) {
    const v = s();
    assert.ok(v >= 0 && v < 1, `value ${v}`);
  }
});
