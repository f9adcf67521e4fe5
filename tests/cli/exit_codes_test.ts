/**
 * One test per documented exit code, each through the real CLI as a child process:
 * 0 ok, 1 failed, 2 usage or connection error, 3 verification failed, 130 SIGINT, 143 SIGTERM.
 */
import assert from "node:assert/strict";
import { spawnServe } from "../../src/tools/serve_process.ts";
import { VERSION } from "../../src/version.ts";
import { writeMigrDocument } from "../../bench/import.ts";
import { runCli } from "../_helpers.ts";
import { exists, finished, LONG_SEED, oneLine, spawnCli, waitFor } from "./_cli.ts";

const SUBCOMMANDS = [
  "serve",
  "pull",
  "push",
  "verify",
  "status",
  "seed",
  "stats",
  "import",
  "export",
  "demo",
];

Deno.test("exit 0: --version, and --help on every subcommand prints its own usage", async () => {
  const v = await runCli("--version");
  assert.equal(v.code, 0);
  assert.equal(v.stdout, `ctdlsync ${VERSION}\n`);
  assert.match(VERSION, /^\d+\.\d+\.\d+$/);
  for (const name of SUBCOMMANDS) {
    const h = await runCli(name, "--help");
    assert.equal(h.code, 0, `${name} --help: ${h.stderr}`);
    assert.match(h.stdout, new RegExp(`^usage: ctdlsync ${name} `), name);
    assert.match(h.stdout, /exit codes: 0 ok, 1 failed, 2 usage/);
    assert.equal(h.stderr, "");
  }
  const all = await runCli("--help");
  assert.equal(all.code, 0);
  for (const name of SUBCOMMANDS) assert.match(all.stdout, new RegExp(`^  ${name} `, "m"));
  assert.match(all.stdout, /--tls/);
});

Deno.test("exit 1: a failed command (no store) is one line", async () => {
  const r = await runCli("stats", "--data", "/nonexistent/ctdlsync-store");
  assert.equal(r.code, 1);
  assert.match(oneLine(r.stderr), /^ctdlsync: no ctdlsync store at \/nonexistent/);
  assert.equal(await exists("/nonexistent"), false);
});

Deno.test("exit 2: non-Aide pull, port in use, missing import file, bad flag", async () => {
  const dir = await Deno.makeTempDir();
  const server = await (async () => {
    assert.equal((await runCli("seed", "--data", `${dir}/src`, "--fixture", "small")).code, 0);
    return await spawnServe(`${dir}/src`);
  })();
  try {
    await Deno.writeTextFile(`${dir}/alice`, "alice-pass\n");
    const pull = await runCli(
      "pull",
      ...["--from", server.address, "--user", "Alice Tester"],
      ...["--password-file", `${dir}/alice`, "--data", `${dir}/dst`],
    );
    assert.equal(pull.code, 2);
    assert.match(oneLine(pull.stderr), /Aide|Admin|access/i);

    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (taken.addr as Deno.NetAddr).port;
    const serve = await runCli("serve", "--data", `${dir}/other`, "--listen", `127.0.0.1:${port}`);
    taken.close();
    assert.equal(serve.code, 2);
    assert.match(oneLine(serve.stderr), /cannot listen on 127\.0\.0\.1:\d+: .*in use/i);

    const imp = await runCli("import", "--migr", `${dir}/missing.xml`, "--data", `${dir}/imp`);
    assert.equal(imp.code, 2);
    assert.match(oneLine(imp.stderr), /cannot read .*missing\.xml/);
    assert.equal(await exists(`${dir}/imp`), false, "nothing created");

    const bad = await runCli("stats", "--data", dir, "--frobnicate");
    assert.equal(bad.code, 2);
    oneLine(bad.stderr);
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exit 3: verify against a source that differs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal((await runCli("seed", "--data", `${dir}/src`, "--fixture", "small")).code, 0);
    const gen = ["--users", "3", "--rooms", "2", "--messages", "5", "--files", "1"];
    assert.equal((await runCli("seed", "--data", `${dir}/dst`, ...gen)).code, 0);
    const server = await spawnServe(`${dir}/src`);
    try {
      await Deno.writeTextFile(`${dir}/pw`, "sysop-pass\n");
      const r = await runCli(
        "verify",
        ...["--from", server.address, "--user", "SysOp", "--password-file", `${dir}/pw`],
        ...["--data", `${dir}/dst`],
      );
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stdout, /^users: source 4 records/m);
    } finally {
      await server.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  Deno.test(`exit ${code}: ${signal} during a long command, one line, lock released`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const child = spawnCli("seed", "--data", `${dir}/s`, ...LONG_SEED);
      // The lock appears when the command has its store: from then on it is working.
      await waitFor("the seed to start", () => exists(`${dir}/s/ctdlsync.kv`));
      child.kill(signal);
      const r = await finished(child);
      assert.equal(r.code, code, r.stderr);
      assert.equal(oneLine(r.stderr), "ctdlsync: interrupted");
      assert.equal(await exists(`${dir}/s/ctdlsync.lock`), false, "lock released");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("exit 130: Ctrl-C during an import removes its staging store and says how to go on", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // 300 clear passwords keep the import hashing for seconds (PBKDF2, 100k iterations).
    await writeMigrDocument(`${dir}/export.xml`, { users: 300, rooms: 2, messages: 20 });
    const child = spawnCli("import", "--migr", `${dir}/export.xml`, "--data", `${dir}/data`);
    const staging = async () => {
      for await (const e of Deno.readDir(dir)) if (e.name.startsWith(".data.staging-")) return true;
      return false;
    };
    await waitFor("the import's staging store", staging);
    child.kill("SIGINT");
    const r = await finished(child);
    assert.equal(r.code, 130, r.stderr);
    assert.equal(
      oneLine(r.stderr),
      "ctdlsync: interrupted; the store in --data is unchanged: run the import again",
    );
    assert.equal(await staging(), false, "staging store removed");
    assert.equal(await exists(`${dir}/data/ctdlsync.kv`), false, "no store swapped in");
    assert.equal(await exists(`${dir}/data/ctdlsync.lock`), false, "lock released");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
