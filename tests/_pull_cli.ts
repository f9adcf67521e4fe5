/** Helpers of the pull tests that run `ctdlsync pull` as a user does: child processes. */

import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../fixtures/small.ts";
import { type CliResult, runCli } from "./_helpers.ts";

/** Polls `check` every 20 ms until it returns true; fails after `ms`. Returns the wait. */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  ms = 10_000,
): Promise<number> {
  const start = performance.now();
  while (!await check()) {
    if (performance.now() - start > ms) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - start;
}

/** A command's stderr is one line without a stack trace; returns it. */
export function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.ok(!/\bat .*\.ts:\d+/.test(stderr), "no stack trace");
  return lines[0];
}

/** Writes the fixture SysOp's password to a temporary file; returns its path. */
async function sysopPasswordFile(): Promise<string> {
  const pw = await Deno.makeTempFile({ prefix: "ctdlsync-pw-" });
  await Deno.writeTextFile(pw, `${FIXTURE_USERS.sysop.password}\n`);
  return pw;
}

/** `<verb> --from FROM --user SysOp --password-file F --data DIR ...extra`. */
function sourceArgs(verb: string, from: string, pw: string, dataDir: string, extra: string[]) {
  return [
    verb,
    "--from",
    from,
    "--user",
    FIXTURE_USERS.sysop.name,
    "--password-file",
    pw,
    "--data",
    dataDir,
    ...extra,
  ];
}

/** Runs `ctdlsync pull` (or `verify`) as the fixture's SysOp and waits for it. */
export async function pullCli(
  from: string,
  dataDir: string,
  extra: string[] = [],
  verb = "pull",
): Promise<CliResult> {
  const pw = await sysopPasswordFile();
  try {
    return await runCli(...sourceArgs(verb, from, pw, dataDir, extra));
  } finally {
    await Deno.remove(pw);
  }
}

/** A `ctdlsync pull` child process as the fixture's SysOp, to signal while it runs. */
export async function spawnPull(
  from: string,
  dataDir: string,
  extra: string[] = [],
): Promise<{ child: Deno.ChildProcess; result: Promise<CliResult> }> {
  const pw = await sysopPasswordFile();
  const main = new URL("../main.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-kv", main, ...sourceArgs("pull", from, pw, dataDir, extra)],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const result = child.output().then(async (out) => {
    await Deno.remove(pw).catch(() => {});
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  });
  return { child, result };
}
