import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { runSync } from "../../src/client/run_pull.ts";
import type { Progress } from "../../src/client/pull.ts";
import { progressLine, pullSummary, verdictLine } from "../../src/client/report.ts";
import { generateSystem } from "../../src/tools/seed.ts";
import { startServer, tempStore } from "../_helpers.ts";
import { startProxy } from "../_proxy.ts";

const sysop = FIXTURE_USERS.sysop;
const creds = (from: string) => ({ from, user: sysop.name, password: sysop.password });

Deno.test("pull progress: table k of N and the whole pull's bytes; a resumed table counts from where it resumed", async () => {
  const src = await tempStore("ctdlsync-progress-src-");
  await generateSystem(src.store, { users: 5, rooms: 4, messages: 900, files: 1, seed: 3 });
  const dst = await tempStore();
  const { server, address } = startServer(src.store);
  try {
    // Cut in the middle of the messages: the rerun resumes that table.
    const total = await src.store.stats("messages");
    const proxy = startProxy({ hostname: "127.0.0.1", port: server.port }, {
      cutAfter: Math.floor(total.bytes * 0.6),
    });
    await assert.rejects(runSync(dst.store, creds(proxy.address)));
    await proxy.close();
    const have = await dst.store.stats("messages");
    assert.ok(have.count > 0 && have.count < total.count, `${have.count} of ${total.count} here`);

    const seen: Progress[] = [];
    const result = await runSync(dst.store, {
      ...creds(address),
      onProgress: (p) => seen.push({ ...p }),
    });
    assert.ok(result.identical, result.problem);
    const messages = seen.filter((p) => p.table === "messages");
    assert.ok(messages.length > 0);
    assert.equal(messages[0].index, 10);
    assert.equal(messages[0].of, 16);
    assert.equal(result.tables.find((r) => r.table === "messages")!.action, "resume");
    assert.ok(messages[0].records > have.count, "counts on from the records already here");
    assert.ok(messages[0].bytes > have.bytes, "and from the bytes");
    assert.ok(messages[0].overallBaseBytes >= have.bytes);
    const last = seen.at(-1)!;
    assert.equal(last.overallBytes, last.overallTotalBytes);
    assert.match(
      progressLine(last),
      /^\[\d+\/16\] \w+ +\d+\/\d+ records .*\| all 100% .* ETA \d+s$/,
    );
    const summary = pullSummary(result.tables).split("\n");
    assert.match(summary.at(-1)!, /^total +\d+ moved +\d+ /);
    assert.match(
      verdictLine(result),
      /^identical to .* as of stamp \d+: \d+ records, [\d.]+ MiB in [\d.]+ s$/,
    );
  } finally {
    await server.stop(2);
    await dst.cleanup();
    await src.cleanup();
  }
});
