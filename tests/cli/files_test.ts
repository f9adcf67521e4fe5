/** Store files are private, and the documented systemd units pass systemd's own checks. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Store } from "../../src/store/store.ts";
import { runCli } from "../_helpers.ts";
import { oneLine } from "./_cli.ts";

const mode = async (p: string) => (await Deno.stat(p)).mode! & 0o777;

Deno.test("files: store 0600 (with -wal and -shm), its directory 0700", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = join(root, "new", "store");
    // The umask most systems run with would make 0644 files and 0755 directories.
    const store = await Store.open(dir, { create: true });
    try {
      await store.kv.set(["probe"], 1); // a write makes SQLite create -wal and -shm
      assert.equal(await mode(dir), 0o700);
      for (const f of ["ctdlsync.kv", "ctdlsync.kv-wal", "ctdlsync.kv-shm"]) {
        assert.equal(await mode(join(dir, f)), 0o600, f);
      }
    } finally {
      await store.close();
    }
    // A store made under an older build (0644) is tightened when opened.
    await Deno.chmod(join(dir, "ctdlsync.kv"), 0o644);
    (await Store.open(dir)).close();
    assert.equal(await mode(join(dir, "ctdlsync.kv")), 0o600);
    // The CLI's lock file is private too.
    const seeded = await runCli("seed", "--data", join(root, "cli"), "--fixture", "small");
    assert.equal(seeded.code, 0, seeded.stderr);
    assert.equal(await mode(join(root, "cli")), 0o700);
    assert.equal(await mode(join(root, "cli", "ctdlsync.kv")), 0o600);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("files: --data naming a file, export into a missing directory: one line, exit 2", async () => {
  const root = await Deno.makeTempDir();
  try {
    const file = join(root, "a-file");
    await Deno.writeTextFile(file, "not a store\n");
    for (const cmd of [["serve"], ["seed", "--fixture", "small"], ["stats"], ["status"]]) {
      const r = await runCli(cmd[0], "--data", file, ...cmd.slice(1));
      assert.equal(r.code, 2, `${cmd[0]}: ${r.stderr}`);
      assert.equal(oneLine(r.stderr), `ctdlsync: --data ${file} is not a directory`);
    }
    assert.equal((await runCli("seed", "--data", join(root, "s"), "--fixture", "small")).code, 0);
    const out = join(root, "missing", "out.xml");
    const r = await runCli("export", "--migr", out, "--data", join(root, "s"));
    assert.equal(r.code, 2);
    assert.equal(
      oneLine(r.stderr),
      `ctdlsync: cannot write ${out}: directory ${join(root, "missing")} does not exist`,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("files: import over a store that holds data needs --force", async () => {
  const root = await Deno.makeTempDir();
  try {
    assert.equal((await runCli("seed", "--data", join(root, "s"), "--fixture", "small")).code, 0);
    const xml = join(root, "s.xml");
    assert.equal((await runCli("export", "--migr", xml, "--data", join(root, "s"))).code, 0);
    const into = await runCli("import", "--migr", xml, "--data", join(root, "s"));
    assert.equal(into.code, 2);
    assert.equal(
      oneLine(into.stderr),
      `ctdlsync: ${join(root, "s")} already holds a store; --force replaces it`,
    );
    const forced = await runCli("import", "--migr", xml, "--data", join(root, "s"), "--force");
    assert.equal(forced.code, 0, forced.stderr);
    const status = JSON.parse((await runCli("status", "--data", join(root, "s"), "--json")).stdout);
    assert.deepEqual(status.origin, { source: `migr:${xml}`, storeId: "" });
    assert.equal(await mode(join(root, "s")), 0o700, "the swapped-in directory stays private");
    assert.equal(await Deno.stat(join(root, "s", "ctdlsync.lock")).catch(() => null), null);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** The ```ini blocks of docs/operations.md, keyed by the path in their first comment line. */
async function documentedUnits(): Promise<Map<string, string>> {
  const doc = await Deno.readTextFile(new URL("../../docs/operations.md", import.meta.url));
  const units = new Map<string, string>();
  for (const m of doc.matchAll(/```ini\n# (\/\S+)\n([\s\S]*?)```/g)) units.set(m[1], m[2]);
  return units;
}

async function run(cmd: string, ...args: string[]) {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("files: the documented units pass systemd-analyze verify as written", async () => {
  const units = await documentedUnits();
  const names = [
    "/etc/systemd/system/ctdlsync.service",
    "/etc/systemd/system/ctdlsync-pull.service",
    "/etc/systemd/system/ctdlsync-pull.timer",
    "/etc/systemd/system/ctdlsync-replica.service",
    "/usr/lib/sysusers.d/ctdlsync.conf",
  ];
  assert.deepEqual([...units.keys()].sort(), names.sort());
  const service = units.get("/etc/systemd/system/ctdlsync.service")!;
  for (
    const want of ["UMask=0077", "ProtectSystem=strict", "NoNewPrivileges=true", "PrivateTmp=true"]
  ) {
    assert.match(service, new RegExp(`^${want}$`, "m"));
  }
  assert.match(service, /^ReadWritePaths=\/var\/lib\/ctdlsync$/m);
  // A scratch root: systemd's own units (for the targets the units name), the documented
  // files at their documented paths, and the binary the install step puts in /usr/local/bin.
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(root, "usr/lib/systemd"), { recursive: true });
    const cp = await run("cp", "-a", "/usr/lib/systemd/system", join(root, "usr/lib/systemd/"));
    assert.equal(cp.code, 0, cp.out);
    for (const [path, text] of units) {
      await Deno.mkdir(join(root, path, ".."), { recursive: true });
      await Deno.writeTextFile(join(root, path), text);
    }
    await Deno.mkdir(join(root, "usr/local/bin"), { recursive: true });
    await Deno.writeTextFile(join(root, "usr/local/bin/ctdlsync"), "#!/bin/sh\n", { mode: 0o755 });
    await Deno.mkdir(join(root, "etc"), { recursive: true });
    const users = await run("systemd-sysusers", `--root=${root}`);
    assert.equal(users.code, 0, users.out);
    assert.match(await Deno.readTextFile(join(root, "etc/passwd")), /^ctdlsync:x:\d+:\d+:/m);
    const verify = await run(
      "systemd-analyze",
      "verify",
      `--root=${root}`,
      ...names.filter((n) => n.startsWith("/etc/systemd")),
    );
    assert.equal(verify.code, 0, verify.out);
    assert.equal(verify.out, "", "no warnings");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
