/** One process per store, and a store's origin: through the real CLI as child processes. */
import assert from "node:assert/strict";
import { spawnServe } from "../../src/tools/serve_process.ts";
import { runCli } from "../_helpers.ts";
import { exists, finished, LONG_SEED, oneLine, spawnCli, waitFor } from "./_cli.ts";

const SMALL = ["--users", "3", "--rooms", "2", "--messages", "5", "--files", "1"];

Deno.test("lock: a second serve on the same DIR exits 2 naming the holder", async () => {
  const dir = await Deno.makeTempDir();
  const first = await spawnServe(dir);
  try {
    const holder = JSON.parse(await Deno.readTextFile(`${dir}/ctdlsync.lock`));
    assert.equal(holder.command, "serve");
    assert.equal(holder.pid, first.child.pid);
    const second = await runCli("serve", "--data", dir, "--listen", "127.0.0.1:0");
    assert.equal(second.code, 2);
    assert.equal(
      oneLine(second.stderr),
      `ctdlsync: ${dir} is in use by 'ctdlsync serve' (PID ${first.child.pid}); stop it first`,
    );
    const seed = await runCli("seed", "--data", dir, "--fixture", "small");
    assert.equal(seed.code, 2);
    assert.match(oneLine(seed.stderr), /in use by 'ctdlsync serve'/);
    // status reads without the lock and names the holder.
    const status = await runCli("status", "--data", dir, "--json");
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(JSON.parse(status.stdout).heldBy, { command: "serve", pid: first.child.pid });
  } finally {
    assert.equal((await first.stop()).code, 0);
  }
  assert.equal(await exists(`${dir}/ctdlsync.lock`), false, "a clean stop releases the lock");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("lock: a lock left by a kill -9'ed process is taken over", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const child = spawnCli("seed", "--data", dir, ...LONG_SEED);
    await waitFor("the seed to start", () => exists(`${dir}/ctdlsync.kv`));
    child.kill("SIGKILL");
    await finished(child);
    const stale = JSON.parse(await Deno.readTextFile(`${dir}/ctdlsync.lock`));
    assert.equal(stale.pid, child.pid, "the killed process left its lock");
    const status = await runCli("status", "--data", dir, "--json");
    assert.equal(JSON.parse(status.stdout).heldBy, null, "a dead holder holds nothing");
    const server = await spawnServe(dir);
    try {
      const now = JSON.parse(await Deno.readTextFile(`${dir}/ctdlsync.lock`));
      assert.equal(now.pid, server.child.pid);
      assert.equal(now.command, "serve");
    } finally {
      await server.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("origin: pull records its source; another source or a seeded store needs --force", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal((await runCli("seed", "--data", `${dir}/a`, "--fixture", "small")).code, 0);
    assert.equal((await runCli("seed", "--data", `${dir}/b`, "--fixture", "small")).code, 0);
    assert.equal((await runCli("seed", "--data", `${dir}/local`, ...SMALL)).code, 0);
    await Deno.writeTextFile(`${dir}/pw`, "sysop-pass\n");
    const a = await spawnServe(`${dir}/a`);
    const b = await spawnServe(`${dir}/b`);
    const pull = (server: { address: string }, data: string, ...extra: string[]) =>
      runCli(
        "pull",
        ...["--from", server.address, "--user", "SysOp", "--password-file", `${dir}/pw`],
        ...["--data", `${dir}/${data}`, "--json", ...extra],
      );
    try {
      const first = await pull(a, "dst");
      assert.equal(first.code, 0, first.stderr);
      const status = JSON.parse((await runCli("status", "--data", `${dir}/dst`, "--json")).stdout);
      const aId =
        JSON.parse((await runCli("stats", "--data", `${dir}/a`, "--json")).stdout).storeId;
      assert.deepEqual(status.origin, { source: a.address, storeId: aId });
      assert.equal(status.lastPull.result, "identical");
      assert.equal(status.lastPull.exitCode, 0);
      assert.equal((await pull(a, "dst")).code, 0, "the same source again needs no --force");

      const other = await pull(b, "dst");
      assert.equal(other.code, 2);
      assert.match(
        oneLine(other.stderr),
        new RegExp(`holds ${a.address} \\(store ${aId}\\), not a copy of ${b.address}; --force`),
      );
      const seeded = await pull(a, "local");
      assert.equal(seeded.code, 2);
      assert.match(oneLine(seeded.stderr), /holds local data .*--force replaces it/);
      const forced = await pull(b, "dst", "--force");
      assert.equal(forced.code, 0, forced.stderr);
      const after = JSON.parse((await runCli("status", "--data", `${dir}/dst`, "--json")).stdout);
      assert.equal(after.origin.source, b.address);
      assert.notEqual(after.origin.storeId, aId);
    } finally {
      await a.stop();
      await b.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("status: text and --json of a store never pulled into", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal((await runCli("seed", "--data", dir, ...SMALL)).code, 0);
    const text = await runCli("status", "--data", dir);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^store +[0-9a-f-]{36} at stamp [1-9]\d*$/m);
    assert.match(text.stdout, /^source +none \(local data\)$/m);
    assert.match(text.stdout, /^last pull never$/m);
    const json = JSON.parse((await runCli("status", "--data", dir, "--json")).stdout);
    assert.equal(json.origin, null);
    assert.equal(json.lastPull, null);
    assert.ok(json.stamp > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
