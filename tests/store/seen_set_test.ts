import assert from "node:assert/strict";
import { formatSeen, isSeen, markSeen, parseSeen, seenUpTo } from "../../src/store/seen_set.ts";

Deno.test("seen sets: parse, test, mark and format as Citadel writes them", () => {
  const r = parseSeen("1:40,44,50:60");
  assert.ok(isSeen(r, 1) && isSeen(r, 40) && isSeen(r, 44) && isSeen(r, 55));
  assert.ok(!isSeen(r, 41) && !isSeen(r, 61) && !isSeen(r, 0));
  assert.ok(isSeen(parseSeen("*:5123"), 17));
  assert.ok(!isSeen(parseSeen("*:5123"), 5124));
  assert.ok(isSeen(parseSeen("77"), 50), "a bare number is v_lastseen");
  assert.equal(markSeen("1:40", 41, true), "1:41");
  assert.equal(markSeen("1:40", 20, false), "1:19,21:40");
  assert.equal(formatSeen(parseSeen("5,3,4,10:12")), "3:5,10:12");
  assert.equal(seenUpTo(99), "*:99");
  assert.equal(formatSeen(parseSeen("")), "");
});
