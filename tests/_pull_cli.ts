/** Helpers of the pull tests that run `ctdlsync pull` as a user does: child processes. */

import { FIXTURE_USERS } from "../fixtures/small.ts";
import { type CliResult, runCli, waitFor } from "./_helpers.ts";
import { oneLine, spawnCli } from "./cli/_cli.ts";

export { oneLine };

/** Polls `check` (tests/_helpers.ts `waitFor`) until it is true; returns how long it took. */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  ms = 10_000,
): Promise<number> {
  const start = performance.now();
  await waitFor(check, ms, what, 20);
  return performance.now() - start;
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
  const child = spawnCli(...sourceArgs("pull", from, pw, dataDir, extra));
  const result = child.output().then(async (out) => {
    await Deno.remove(pw).catch(() => {});
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  });
  return { child, result };
}
