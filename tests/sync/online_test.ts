import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { runSync } from "../../src/client/run_pull.ts";
import { verdictLine } from "../../src/client/report.ts";
import { startPoster } from "../../src/tools/poster.ts";
import { generateSystem } from "../../src/tools/seed.ts";
import { compareStores } from "../../src/tools/compare.ts";
import { digests, loginAs, startServer, tempStore } from "../_helpers.ts";

const sysop = FIXTURE_USERS.sysop;
const creds = (from: string) => ({ from, user: sysop.name, password: sysop.password });

Deno.test("online pull: 20 posts a second through ENT0 during the pull; it verifies, nobody is disconnected; a cutover ends identical", async () => {
  const src = await tempStore("ctdlsync-online-src-");
  const dst = await tempStore("ctdlsync-online-dst-");
  await generateSystem(src.store, { users: 10, rooms: 6, messages: 1500, files: 3, seed: 7 });
  const { server, address } = startServer(src.store);
  // A user who stays logged in, and one who posts 20 messages a second (at most 600).
  const idle = await loginAs(address, { name: "User 2", password: "password-2" });
  const poster = await startPoster(address, { name: "User 3", password: "password-3" }, {
    perSecond: 20,
    max: 600,
  });
  try {
    const before = poster.posted;
    const result = await runSync(dst.store, creds(address));
    const during = poster.posted - before;
    assert.ok(result.identical, result.problem);
    assert.ok(result.tables.every((r) => r.verified));
    assert.ok(during > 0, "messages were posted while the pull ran");
    assert.match(
      verdictLine(result),
      /^identical to 127\.0\.0\.1:\d+ as of stamp \d+: \d+ records/,
    );
    // The copy equals the source as of the verdict's stamp: every record written by then is
    // here, and the records posted meanwhile have higher stamps.
    assert.ok(result.stamp > 0);
    // The idle user is still connected and was told nothing (no instant message flag).
    assert.equal((await idle.command("NOOP")).line, "200 ok");
    assert.equal(poster.refused, 0, "no write was refused during the online pull");

    // A second online pull under the same writes moves only the delta.
    const again = await runSync(dst.store, creds(address));
    assert.ok(again.identical, again.problem);
    const moved = again.tables.reduce((n, r) => n + r.records, 0);
    assert.ok(moved < 1500, `the rerun moved ${moved} records`);

    // The cutover: writes go on until single-user mode ends the other sessions.
    const cut = await runSync(dst.store, { ...creds(address), cutover: true, wait: 1 });
    assert.ok(cut.identical, cut.problem);
    assert.ok(cut.lockoutSeconds !== undefined && cut.lockoutSeconds >= 0);
    await poster.done;
    assert.deepEqual(await digests(dst.store), await digests(src.store));
    assert.deepEqual(await compareStores(src.store, dst.store), []);
  } finally {
    await poster.stop();
    idle.close();
    await server.stop(2);
    await dst.cleanup();
    await src.cleanup();
  }
});
