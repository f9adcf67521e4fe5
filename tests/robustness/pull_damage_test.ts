import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { Store } from "../../src/store/store.ts";
import { compareStores } from "../../src/tools/compare.ts";
import { fixtureStore, startServer } from "../_helpers.ts";
import { oneLine, pullCli } from "../_pull_cli.ts";
import { startProxy } from "../_proxy.ts";

const sysop = FIXTURE_USERS.sysop;

/** Runs the fixture scenario: a server, a proxy with `faults`, a CLI pull through it. */
async function pullThrough(
  faults: Parameters<typeof startProxy>[1],
  check: (
    out: { code: number; stdout: string; stderr: string },
    dir: string,
    src: Store,
  ) => Promise<void>,
) {
  const src = await fixtureStore();
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-damage-" });
  const { server } = startServer(src.store);
  const proxy = startProxy({ hostname: "127.0.0.1", port: server.port }, faults);
  try {
    const out = await pullCli(proxy.address, `${dir}/dst`, ["--timeout", "20"]);
    await check(out, dir, src.store);
  } finally {
    await proxy.close();
    await server.stop(2);
    await Deno.remove(src.dir, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
}

/** Offsets in the client's stream: USER, PASS and IDEN lines, then the probe `SYNC all|info`. */
const LOGIN = `USER ${sysop.name}\nPASS ${sysop.password}\nIDEN 0|0|1|ctdlsync pull|\n`.length;
const PROBE = "SYNC all|info\n".length;

Deno.test("pull damage: a flipped bit in a SYNC command mid-pull is an error (exit 3), never the MIGR fallback", async () => {
  // The first table's `SYNC config|getall` reaches the source as `RYNC ...`: 530.
  await pullThrough({ flipUpAt: LOGIN + PROBE }, async (out, dir, src) => {
    assert.equal(out.code, 3, out.stderr);
    const line = oneLine(out.stderr);
    assert.match(line, /SYNC config\|getall: 530 .*run the pull again$/);
    assert.ok(!/MIGR|fallback/i.test(out.stdout + out.stderr), "no fallback");
    // What was committed is consistent, and a rerun completes the copy.
    const dst = await Store.open(`${dir}/dst`);
    try {
      await dst.verify();
    } finally {
      await dst.close();
    }
    const { server, address } = startServer(src);
    try {
      // The rerun goes straight to the source, not through the proxy (another address).
      const again = await pullCli(address, `${dir}/dst`, ["--force"]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^identical to 127\.0\.0\.1:\d+ as of stamp \d+: /m);
    } finally {
      await server.stop(2);
    }
  });
});

Deno.test("pull damage: a flipped bit in the start probe is asked again, and the pull stays native", async () => {
  await pullThrough({ flipUpAt: LOGIN }, async (out, dir, src) => {
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      out.stdout,
      /^identical to .* as of stamp \d+: \d+ records, [\d.]+ MiB in [\d.]+ s$/m,
    );
    const dst = await Store.open(`${dir}/dst`);
    try {
      assert.deepEqual(await compareStores(src, dst), [], "use table and room info came too");
    } finally {
      await dst.close();
    }
  });
});

Deno.test("pull damage: a connection dropped mid-chunk exits 3 with one line", async () => {
  await pullThrough({ cutAfter: 120_000 }, (out) => {
    assert.equal(out.code, 3, out.stderr);
    assert.match(oneLine(out.stderr), /connection closed in the middle of .*; run the pull again$/);
    return Promise.resolve();
  });
});

Deno.test("pull damage: a source that stalls is given up after --timeout with a message", async () => {
  // A listener that greets, accepts the login and then never answers.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      const enc = new TextEncoder();
      await conn.write(enc.encode("200 stall Citadel server ready.\n"));
      const buf = new Uint8Array(4096);
      let lines = 0;
      while (lines < 2) {
        const n = await conn.read(buf);
        if (n === null) break;
        for (const b of buf.subarray(0, n)) {
          if (b !== 10) continue;
          lines++;
          await conn.write(enc.encode(lines === 1 ? "300 Password required\n" : "200 SysOp|6\n"));
        }
      }
    }
  })().catch(() => {});
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-stall-" });
  try {
    const started = performance.now();
    const out = await pullCli(`127.0.0.1:${(listener.addr as Deno.NetAddr).port}`, `${dir}/dst`, [
      "--timeout",
      "1",
    ]);
    assert.ok(performance.now() - started < 15_000, "gave up within the timeout, not later");
    assert.equal(out.code, 2, out.stderr);
    assert.match(oneLine(out.stderr), /sent nothing for 1 s; gave up \(--timeout SECS/);
  } finally {
    listener.close();
    for (const c of conns) c.close();
    await serving;
    await Deno.remove(dir, { recursive: true });
  }
});
