/** Shared by the import robustness tests: a scratch directory and a one-line-error check. */
import assert from "node:assert/strict";
import { join } from "node:path";

/** A scratch directory with a data dir path inside; `done` removes it. */
export async function scratch(): Promise<{ dir: string; data: string; done: () => Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-import-robust-" });
  return {
    dir,
    data: join(dir, "data"),
    done: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}

/** stderr is exactly one line, with no stack trace and no raw control character. */
export function assertOneLine(stderr: string): string {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(lines[0], /[\u0000-\u0008\u000b-\u001f\u007f]/, "no raw control bytes");
  return lines[0];
}
