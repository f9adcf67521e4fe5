import assert from "node:assert/strict";
import { waitFor as waitUntil } from "../_helpers.ts";
import { ctdlsyncArgs } from "../../src/tools/run_args.ts";

/** A user mistake is one line on stderr, never a stack trace. */
export function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.ok(!/\bat .*\.ts:\d+/.test(stderr), "no stack trace");
  return lines[0];
}

/** `waitFor` of tests/_helpers.ts with the question first; fails after `ms`. */
export async function waitFor(what: string, check: () => Promise<boolean>, ms = 15_000) {
  await waitUntil(check, ms, what, 50);
}

/** True once `path` exists. */
export function exists(path: string): Promise<boolean> {
  return Deno.stat(path).then(() => true, () => false);
}

/** Starts `ctdlsync <args>` as a child process with piped output. */
export function spawnCli(...args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ctdlsyncArgs(args),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Waits for a spawned CLI and returns its exit code and outputs. */
export async function finished(child: Deno.ChildProcess) {
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A generated store big enough that seeding it runs for a while (to interrupt it). */
export const LONG_SEED = ["--users", "20", "--rooms", "10", "--messages", "200000", "--files", "1"];
