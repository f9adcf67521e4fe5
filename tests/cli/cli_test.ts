import assert from "node:assert/strict";
import { Store } from "../../src/store/store.ts";
import { TABLE_NAMES } from "../../src/store/tables.ts";
import { spawnServe } from "../../src/tools/serve_process.ts";
import { runCli } from "../_helpers.ts";
import { replaceValue } from "../store/_damage.ts";
import { oneLine } from "./_cli.ts";

/** Any readable file serves as a password file where the password does not matter. */
const PASSWORD_FILE = new URL(import.meta.url).pathname;

Deno.test("cli: usage and store errors are one line with a non-zero exit", async () => {
  const missing = await runCli("stats", "--data", "/nonexistent/ctdlsync-store");
  assert.equal(missing.code, 1);
  assert.match(oneLine(missing.stderr), /^ctdlsync: no ctdlsync store at \/nonexistent/);
  const noFlags = await runCli("pull");
  assert.equal(noFlags.code, 2);
  assert.match(oneLine(noFlags.stderr), /--from is required/);
  const badFlag = await runCli("stats", "--data", "/tmp", "--frobnicate");
  assert.equal(badFlag.code, 2);
  oneLine(badFlag.stderr);
  const badTable = await runCli(
    "pull",
    "--from",
    "127.0.0.1:1",
    "--user",
    "x",
    "--password-file",
    PASSWORD_FILE,
    "--data",
    "/tmp/x",
    "--tables",
    "users,bogus",
  );
  assert.equal(badTable.code, 2);
  assert.match(oneLine(badTable.stderr), /unknown table 'bogus'/);
  const empty = await Deno.makeTempDir();
  const refused = await runCli(
    "pull",
    "--from",
    "127.0.0.1:1",
    "--user",
    "x",
    "--password-file",
    PASSWORD_FILE,
    "--data",
    empty,
  );
  await Deno.remove(empty, { recursive: true });
  assert.equal(refused.code, 2);
  assert.match(oneLine(refused.stderr), /cannot connect to 127\.0\.0\.1:1/);
  const unknown = await runCli("frobnicate");
  assert.equal(unknown.code, 2);
});

Deno.test("cli: seed the fixture; stats lists every table with records", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const seeded = await runCli("seed", "--data", dir, "--fixture", "small");
    assert.equal(seeded.code, 0, seeded.stderr);
    const stats = await runCli("stats", "--data", dir, "--json");
    assert.equal(stats.code, 0, stats.stderr);
    const parsed = JSON.parse(stats.stdout) as { tables: { table: string; count: number }[] };
    assert.deepEqual(parsed.tables.map((t) => t.table), TABLE_NAMES);
    for (const t of parsed.tables) assert.ok(t.count > 0, `${t.table} is empty`);
    const text = await runCli("stats", "--data", dir, "--verify");
    assert.equal(text.code, 0);
    for (const t of TABLE_NAMES) assert.match(text.stdout, new RegExp(`^${t} `, "m"));
    // A corrupt record is named by table and key.
    const store = await Store.open(dir);
    await replaceValue(store.kv, ["r", "floors", 1], new TextEncoder().encode("not json"));
    await store.close();
    const corrupt = await runCli("stats", "--data", dir, "--verify");
    assert.equal(corrupt.code, 1);
    assert.match(corrupt.stderr, /table floors, key \[1\]: value does not decode/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: serve, pull, verify, and a clean stop on SIGTERM", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(
      (await runCli(
        "seed",
        "--data",
        `${dir}/src`,
        "--users",
        "5",
        "--rooms",
        "4",
        "--messages",
        "300",
        "--files",
        "2",
      )).code,
      0,
    );
    const server = await spawnServe(`${dir}/src`, { log: true });
    await Deno.writeTextFile(`${dir}/pw`, "sysop-pass\n");
    await Deno.writeTextFile(`${dir}/bad`, "nope\n");
    const from = ["--from", server.address, "--user", "SysOp"];
    const wrong = await runCli(
      "pull",
      ...from,
      "--password-file",
      `${dir}/bad`,
      "--data",
      `${dir}/dst`,
    );
    assert.equal(wrong.code, 2);
    assert.match(oneLine(wrong.stderr), /login refused: Wrong password/);
    const ok = await runCli(
      "pull",
      ...from,
      "--password-file",
      `${dir}/pw`,
      "--data",
      `${dir}/dst`,
      "--json",
    );
    assert.equal(ok.code, 0, ok.stderr);
    const report = JSON.parse(ok.stdout) as { ok: boolean; tables: { verified: boolean }[] };
    assert.equal(report.ok, true);
    assert.equal(report.tables.length, TABLE_NAMES.length);
    const verify = await runCli(
      "verify",
      ...from,
      "--password-file",
      `${dir}/pw`,
      "--data",
      `${dir}/dst`,
    );
    assert.equal(verify.code, 0);
    assert.match(verify.stdout, /identical/);
    const status = await server.stop();
    assert.equal(status.code, 0);
    const log = await server.log;
    assert.match(log, /listening on 127\.0\.0\.1:/);
    assert.match(log, /SysOp logged in/);
    assert.match(log, /stopped/);
    for (const line of log.trim().split("\n")) {
      assert.match(line, /^ctdlsync: /, "one line per event");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
