/**
 * The last-resort error path: whatever a command throws becomes one line (a stack only with
 * CTDLSYNC_DEBUG=1), run in a real child process so stderr and the exit code are real.
 */
import assert from "node:assert/strict";
import { errorExit } from "../../src/cli/exit.ts";
import { oneLine } from "./_cli.ts";

const EXIT = new URL("../../src/cli/exit.ts", import.meta.url).href;

/** Runs `reportError(<expr>)` in a child process, as main.ts's last resort does. */
async function reportIn(child: string, env: Record<string, string> = {}) {
  const code = `import { reportError } from "${EXIT}";\nDeno.exit(reportError(${child}));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--unstable-kv", code],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("errors: an unexpected error is one line, exit 1; its stack only with CTDLSYNC_DEBUG=1", async () => {
  const plain = await reportIn(
    `new TypeError("Cannot read properties of undefined (reading 'h')")`,
  );
  assert.equal(plain.code, 1);
  assert.equal(
    oneLine(plain.stderr),
    "ctdlsync: internal error: Cannot read properties of undefined (reading 'h') " +
      "(CTDLSYNC_DEBUG=1 shows details)",
  );
  const debug = await reportIn(`new TypeError("boom")`, { CTDLSYNC_DEBUG: "1" });
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /^ctdlsync: internal error: boom .*\nTypeError: boom\n\s+at /);
  const multi = await reportIn(`new Error("first\\nsecond")`);
  assert.equal(
    oneLine(multi.stderr),
    "ctdlsync: internal error: first second (CTDLSYNC_DEBUG=1 shows details)",
  );
});

Deno.test("errors: 'database is locked' from SQLite is one line, exit 2", async () => {
  // Deno KV reports SQLite's SQLITE_BUSY as a TypeError with this message.
  const r = await reportIn(`new TypeError("database is locked")`);
  assert.equal(r.code, 2);
  assert.match(oneLine(r.stderr), /^ctdlsync: the store is locked by another process/);
  assert.deepEqual(errorExit(new Deno.errors.AddrInUse("Address in use")).code, 2);
});

Deno.test("errors: a connection that drops mid-transfer is one line, exit 3 (run again)", async () => {
  const r = await reportIn(`new Deno.errors.UnexpectedEof("early eof")`);
  assert.equal(r.code, 3);
  assert.equal(oneLine(r.stderr), "ctdlsync: the connection dropped (early eof); run it again");
  assert.equal(errorExit(new Deno.errors.ConnectionReset("reset")).code, 3);
});
