/**
 * Exit codes and the one place an error becomes a line on stderr. No stack trace reaches a
 * user unless CTDLSYNC_DEBUG=1 asks for it.
 *
 * @module
 */
import { TransferError } from "../client/transfer_error.ts";
import { ConnectionError } from "../client/connection.ts";
import { Code, CtdlError } from "../errors.ts";
import { StoreLockedError } from "../store/lock.ts";
import { UsageError } from "./args.ts";

/** The exit codes the README documents. */
export const Exit = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  VERIFY_FAILED: 3,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

/** Replies from a source that mean "you may not" or "not here": connection-class, exit 2. */
const REFUSALS = new Set<number>([
  Code.CMD_NOT_SUPPORTED,
  Code.PASSWORD_REQUIRED,
  Code.ALREADY_LOGGED_IN,
  Code.USERNAME_REQUIRED,
  Code.HIGHER_ACCESS_REQUIRED,
  Code.MAX_SESSIONS_EXCEEDED,
  Code.RESOURCE_BUSY,
  Code.NO_SUCH_USER,
  Code.NOT_LOGGED_IN,
]);

/** An error as the user sees it: one line and an exit code. */
export interface ErrorExit {
  line: string;
  code: number;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}

/** Maps any thrown value to its line and exit code. */
export function errorExit(e: unknown): ErrorExit {
  const msg = oneLine(e instanceof Error ? e.message : String(e));
  if (e instanceof UsageError || e instanceof ConnectionError || e instanceof StoreLockedError) {
    return { line: msg, code: Exit.USAGE };
  }
  if (e instanceof TransferError) {
    return { line: `${msg}; run the pull again`, code: Exit.VERIFY_FAILED };
  }
  if (/database is locked/i.test(msg)) {
    return {
      line: `the store is locked by another process (database is locked); stop it and retry`,
      code: Exit.USAGE,
    };
  }
  if (e instanceof CtdlError) {
    return { line: msg, code: REFUSALS.has(e.code) ? Exit.USAGE : Exit.FAILED };
  }
  if (e instanceof Deno.errors.AddrInUse) return { line: msg, code: Exit.USAGE };
  if (
    e instanceof Deno.errors.UnexpectedEof || e instanceof Deno.errors.ConnectionReset ||
    e instanceof Deno.errors.BrokenPipe || e instanceof Deno.errors.ConnectionAborted
  ) {
    // The link dropped mid-transfer: what arrived is checkpointed, a rerun resumes.
    return { line: `the connection dropped (${msg}); run it again`, code: Exit.VERIFY_FAILED };
  }
  if (e instanceof Deno.errors.TimedOut || e instanceof Deno.errors.ConnectionRefused) {
    return { line: msg, code: Exit.USAGE };
  }
  if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.PermissionDenied) {
    return { line: msg, code: Exit.FAILED };
  }
  return { line: `internal error: ${msg} (CTDLSYNC_DEBUG=1 shows details)`, code: Exit.FAILED };
}

/** Prints `e` as one line (plus its stack with CTDLSYNC_DEBUG=1) and returns the exit code. */
export function reportError(e: unknown): number {
  const { line, code } = errorExit(e);
  console.error(`ctdlsync: ${line}`);
  if (Deno.env.get("CTDLSYNC_DEBUG") === "1" && e instanceof Error && e.stack) {
    console.error(e.stack);
  }
  return code;
}
