import assert from "node:assert/strict";
import { writeMigrDocument } from "../../bench/import.ts";
import { selfTimes } from "../../bench/profile_summary.ts";
import { runCli } from "../_helpers.ts";

/** The keys `deno task bench --json` must always print (docs/performance.md). */
const KEYS = [
  "import_mb_s",
  "parse_mb_s",
  "floor_rec_s",
  "kv_rec_s",
  "pull_floor_ratio",
  "rerun_s",
  "rss_mib_small",
  "rss_mib_large",
  "import_hash_ratio",
  "import_kv_mb_s",
  "cutover_lockout_s",
  "online_pull_ratio",
  "mirror_full_s",
  "mirror_rerun_s",
  "follow_lag_p50_ms",
  "follow_lag_p99_ms",
];

// Runs the whole bench at a tiny size so it cannot rot; the figures mean nothing at this
// size, so only their presence and finiteness are checked, never their values.
Deno.test("bench: --small --json prints every figure as a finite number", async () => {
  const bench = new URL("../../bench/bench.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-kv", bench, "--small", "--json"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  assert.equal(lines.length, 1, "one JSON object on one line");
  const figures = JSON.parse(lines[0]) as Record<string, unknown>;
  for (const key of KEYS) {
    assert.equal(typeof figures[key], "number", `${key} missing`);
    assert.ok(Number.isFinite(figures[key]), `${key} is ${figures[key]}`);
  }
  // The baseline (an older revision, checked out with git archive) needs the history: a
  // clone has it, an unpacked tarball of the tree does not (then the two are null).
  const baseline = ["import_vs_baseline", "import_real_vs_baseline"];
  const haveHistory = !stderr.includes("no baseline import");
  if (Deno.env.get("CI") === "true") assert.ok(haveHistory, stderr);
  for (const [key, v] of Object.entries(figures)) {
    if (baseline.includes(key) && !haveHistory) assert.equal(v, null, key);
    else assert.ok(typeof v === "number" && Number.isFinite(v) && v >= 0, `${key} is ${v}`);
  }
  for (const key of baseline) assert.ok(key in figures, `${key} missing`);
});

Deno.test("bench: --only runs the named figures; an unknown one exits 2 naming it", async () => {
  const bench = new URL("../../bench/bench.ts", import.meta.url).pathname;
  const run = (only: string) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--unstable-kv", bench, "--small", "--json", "--only", only],
      stdout: "piped",
      stderr: "piped",
    }).output();
  const ok = await run("start_s,rerun_s");
  assert.equal(ok.code, 0, new TextDecoder().decode(ok.stderr));
  const figures = JSON.parse(new TextDecoder().decode(ok.stdout));
  assert.deepEqual(Object.keys(figures).sort(), ["rerun_s", "start_s"]);
  const bad = await run("start_s,nope");
  assert.equal(bad.code, 2);
  assert.match(new TextDecoder().decode(bad.stderr), /unknown figure nope; known: import_mb_s/);
});

Deno.test("bench/micro.ts: each measurement runs and prints its figures", async () => {
  const micro = new URL("../../bench/micro.ts", import.meta.url).pathname;
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-micro-test-" });
  try {
    const doc = `${dir}/doc.xml`;
    await writeMigrDocument(doc, { users: 2, rooms: 2, messages: 30 });
    const run = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--unstable-kv", micro, ...args],
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code: out.code, text: new TextDecoder().decode(out.stdout) };
    };
    const figures: [string[], RegExp][] = [
      [["alloc"], /own buffer [\d.]+ µs, view [\d.]+ µs/],
      // Where the system has OpenSSL 3, both PBKDF2s must derive the same key.
      [["openssl-pbkdf2"], /same derived key: true|no libcrypto\.so\.3 here/],
      [["worker-start"], /worker ready in \d+ ms/],
      [["import-cpu", doc], /real hashes\s*: wall [\d. ]+ s\s+CPU [\d. ]+ s/],
      [["import-modes", doc], /one thread [\d.]+ s\nworker\s+[\d.]+ s/],
    ];
    for (const [args, shape] of figures) {
      const r = await run(...args);
      assert.equal(r.code, 0, args.join(" "));
      assert.match(r.text, shape);
    }
    const bad = await run("nope");
    assert.equal(bad.code, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench/profile_summary.ts: self time is summed per function across its nodes", () => {
  const frame = (functionName: string, url = "") => ({ functionName, url, lineNumber: 9 });
  const { total, byFunction } = selfTimes({
    nodes: [
      { id: 1, callFrame: frame("(idle)") },
      { id: 2, callFrame: frame("planCommit", "file:///x/src/store/commit.ts") },
      { id: 3, callFrame: frame("planCommit", "file:///x/src/store/commit.ts") },
    ],
    samples: [1, 2, 3, 2],
    timeDeltas: [1000, 2000, 3000, 4000],
  });
  assert.equal(total, 10);
  assert.equal(byFunction.get("(idle)"), 1);
  assert.equal(byFunction.get("planCommit store/commit.ts:10"), 9);
});

Deno.test("bench/rss_trace.ts: a pull's memory is sampled until it exits 0", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-rss-test-" });
  try {
    const seed = await runCli(
      "seed",
      "--data",
      `${dir}/src`,
      "--users",
      "3",
      "--rooms",
      "2",
      "--messages",
      "3000",
      "--files",
      "1",
    );
    assert.equal(seed.code, 0, seed.stderr);
    const trace = new URL("../../bench/rss_trace.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--unstable-kv", trace, `${dir}/src`, "--every", "0.2"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(text, /rss +\d+ MiB \(anon \d+, file \d+\) {2}peak \d+ MiB/);
    assert.match(text, /pull exited 0 after \d+ s/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
