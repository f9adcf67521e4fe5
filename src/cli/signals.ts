/**
 * Ctrl-C and SIGTERM for commands that run to completion (all but `serve`, which stops
 * cleanly on its own): registered clean-ups run (e.g. a pull's ESNG, the store lock),
 * then one line and exit 130 or 143.
 *
 * @module
 */
import { Exit } from "./exit.ts";

type Cleanup = () => void | Promise<void>;
const cleanups = new Set<Cleanup>();
/** A clean-up that hangs must not keep an interrupted command alive. */
const CLEANUP_MS = 5000;

/** Runs `fn` on interrupt; returns the function that unregisters it. */
export function onInterrupt(fn: Cleanup): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/**
 * Removes `path` (a staging directory being built) on interrupt; returns the function that
 * unregisters it, for when the build is over.
 */
export function removeOnInterrupt(path: string): () => void {
  return onInterrupt(() => Deno.remove(path, { recursive: true }).catch(() => {}));
}

let stopping: Promise<never> | null = null;

/**
 * The exit in progress after Ctrl-C or SIGTERM, or null. A command that fails because its
 * clean-ups pulled things from under it (a staging store removed) waits for this instead of
 * printing its own error: the interrupt's one line is the one the user sees.
 */
export function interruptInProgress(): Promise<never> | null {
  return stopping;
}

function interrupted(code: number, line: string): Promise<never> {
  stopping ??= stop(code, line);
  return stopping;
}

async function stop(code: number, line: string): Promise<never> {
  const all = Promise.allSettled([...cleanups].reverse().map(async (fn) => await fn()));
  await Promise.race([all, new Promise((r) => setTimeout(r, CLEANUP_MS))]);
  console.error(`ctdlsync: ${line}`);
  Deno.exit(code);
}

/** Installs the SIGINT (130) and SIGTERM (143) handlers; `line` is what they print. */
export function exitOnInterrupt(line: string): void {
  Deno.addSignalListener("SIGINT", () => void interrupted(Exit.SIGINT, line));
  // Windows has no SIGTERM to listen for.
  if (Deno.build.os !== "windows") {
    Deno.addSignalListener("SIGTERM", () => void interrupted(Exit.SIGTERM, line));
  }
}
