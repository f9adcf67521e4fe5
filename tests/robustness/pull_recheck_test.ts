import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { runSync } from "../../src/client/run_pull.ts";
import { configOp } from "../../src/store/control.ts";
import { digests, fixtureStore, startServer, tempStore } from "../_helpers.ts";
import { pullCli } from "../_pull_cli.ts";
import { startProxy } from "../_proxy.ts";

const sysop = FIXTURE_USERS.sysop;
const creds = (from: string) => ({ from, user: sysop.name, password: sysop.password });

Deno.test("pull recheck: a table skipped at the start and written later is caught up and judged by a fresh listing", async () => {
  const src = await fixtureStore();
  const dst = await tempStore();
  const { server, address } = startServer(src.store);
  try {
    assert.ok((await runSync(dst.store, creds(address))).identical);
    // Every table is skipped this time; after the last one, config changes on the source.
    const result = await runSync(dst.store, {
      ...creds(address),
      onTableDone: async (r) => {
        if (r.table === "roomfiles") await src.store.write([configOp("c_nodename", "later")]);
      },
    });
    assert.ok(result.identical, result.problem);
    const config = result.tables.find((r) => r.table === "config")!;
    assert.equal(config.action, "since");
    assert.equal(config.records, 1);
    assert.equal(config.verified, true);
    assert.deepEqual(await digests(dst.store), await digests(src.store));
  } finally {
    await server.stop(2);
    await dst.cleanup();
    await src.cleanup();
  }
});

Deno.test("pull recheck: a source written before every check never gets 'identical': exit 3 with one line", async () => {
  const src = await fixtureStore();
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-recheck-" });
  const { server } = startServer(src.store);
  let n = 0;
  // Each `SYNC all|info` from the pull lands just after a write to the source.
  const proxy = startProxy({ hostname: "127.0.0.1", port: server.port }, {
    beforeUp: async (block) => {
      if (new TextDecoder().decode(block).includes("SYNC all|info")) {
        await src.store.write([configOp("c_nodename", `busy ${n++}`)]);
      }
    },
  });
  try {
    // --keep-up 1: past its 30 rounds the pull chases the busy source for one more second
    // (not the default two minutes).
    const started = Date.now();
    const out = await pullCli(proxy.address, `${dir}/dst`, ["--keep-up", "1"]);
    assert.equal(out.code, 3, out.stderr);
    assert.ok(Date.now() - started < 100_000, "--keep-up 1 ends the chase well before 120 s");
    assert.match(out.stdout, /^NOT identical to /m);
    assert.ok(!/^identical/m.test(out.stdout));
    const lines = out.stderr.trim().split("\n");
    assert.equal(lines.length, 1, out.stderr);
    assert.match(lines[0], /config still behind after \d+ rounds; .*--cutover/);
    assert.ok(n > 2, `the source was written ${n} times`);
  } finally {
    await proxy.close();
    await server.stop(2);
    await src.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
});
