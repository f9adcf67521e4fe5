/** Helpers of the pull robustness tests: a pull as a child process, and polling. */

import { FIXTURE_USERS } from "../../fixtures/small.ts";

/** Polls `check` every 20 ms until it returns true; fails after `ms`. */
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

/** A `ctdlsync pull` child process as SysOp of the fixture (or a generated system). */
export async function spawnPull(
  from: string,
  dataDir: string,
  extra: string[] = [],
): Promise<
  { child: Deno.ChildProcess; result: Promise<{ code: number; stderr: string; stdout: string }> }
> {
  const pw = await Deno.makeTempFile({ prefix: "ctdlsync-pw-" });
  await Deno.writeTextFile(pw, `${FIXTURE_USERS.sysop.password}\n`);
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-kv",
      main,
      "pull",
      "--from",
      from,
      "--user",
      FIXTURE_USERS.sysop.name,
      "--password-file",
      pw,
      "--data",
      dataDir,
      ...extra,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const result = child.output().then((out) => {
    Deno.remove(pw).catch(() => {});
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  });
  return { child, result };
}
