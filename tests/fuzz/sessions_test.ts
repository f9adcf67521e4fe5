/**
 * The session fuzz of issue 12 at CI size: seeded lines from an anonymous, an ordinary and an
 * Aide session each get exactly one reply, never an internal error; afterwards a fresh login
 * works and no table's digest has moved. `deno task fuzz --lines 100000` runs the full one.
 */
import assert from "node:assert/strict";
import { digests, withFixtureServer } from "../_helpers.ts";
import { connectAs, fuzzSessions, syncDigests } from "./_sessions.ts";

Deno.test("fuzz: 1500 seeded lines in three sessions leave the server up and the store unchanged", async () => {
  await withFixtureServer(async (address, store) => {
    const wire = await syncDigests(address);
    const kept = await digests(store);
    const report = await fuzzSessions(address, { lines: 1500, seed: 12 });
    assert.ok(report.lines > 1400, `only ${report.lines} of 1500 lines answered`);
    assert.ok(report.reconnects > 0, "runs of made-up verbs end sessions, and new ones open");
    assert.ok(report.codes.size > 8, `too few distinct replies: ${[...report.codes.keys()]}`);
    for (const code of [200, 512, 520, 530, 550]) {
      assert.ok(report.codes.has(code), `no ${code} among ${[...report.codes.keys()]}`);
    }
    const fresh = await connectAs(address, "user");
    assert.equal((await fresh.command("NOOP")).code, 200, "a fresh login works");
    await fresh.quit();
    assert.deepEqual(await syncDigests(address), wire, "SYNC all|info digests unchanged");
    assert.deepEqual(await digests(store), kept, "store counters unchanged");
  });
});
