import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { fixtureStore, loginAs, startServer } from "../_helpers.ts";
import { spawnPull } from "../_pull_cli.ts";

Deno.test("pull concurrent: two pulls of the same user against one source never hang", async () => {
  const src = await fixtureStore();
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-two-" });
  const { server, address } = startServer(src.store);
  try {
    // Online pulls take no single-user mode: both complete side by side.
    const a = await spawnPull(address, `${dir}/a`);
    const b = await spawnPull(address, `${dir}/b`);
    const [ra, rb] = await Promise.all([a.result, b.result]);
    assert.equal(ra.code, 0, ra.stderr);
    assert.equal(rb.code, 0, rb.stderr);
    assert.match(ra.stdout, /^identical to /m);
    assert.match(rb.stdout, /^identical to /m);

    // Two cutovers at once, while Alice stays logged in (so SNGL waits its 2 s): the later
    // one refuses with one line, or says that it waits; neither hangs.
    const alice = await loginAs(address, FIXTURE_USERS.alice);
    const started = performance.now();
    const c = await spawnPull(address, `${dir}/a`, ["--cutover", "--wait", "2"]);
    const d = await spawnPull(address, `${dir}/b`, ["--cutover", "--wait", "2"]);
    const [rc, rd] = await Promise.all([c.result, d.result]);
    assert.ok(performance.now() - started < 60_000, "bounded");
    alice.close();
    for (const r of [rc, rd]) {
      assert.ok(!/\bat .*\.ts:\d+/.test(r.stderr), "no stack trace");
      if (r.code === 0) {
        assert.match(r.stderr, /asking .* for single-user mode .* up to 2 s/);
        assert.match(
          r.stdout,
          /^lockout: [\d.]+ s \(single-user from SNGL granted to ESNG sent\)$/m,
        );
        assert.match(r.stdout, /^identical to .* as of stamp \d+: /m);
      } else {
        assert.equal(r.code, 2, r.stderr);
        const lines = r.stderr.trim().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], /another cutover by SysOp is under way on .* \(session \d+\)/);
      }
    }
    assert.ok(rc.code === 0 || rd.code === 0, `${rc.stderr}\n${rd.stderr}`);
    assert.equal(server.singleUser.active, false, "nobody is left holding the system");
  } finally {
    await server.stop(2);
    await Deno.remove(src.dir, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});
