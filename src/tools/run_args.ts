/**
 * How ctdlsync runs under Deno, in one place: the tasks of deno.json, the compiled binary,
 * and every process the tests and the benchmark start use these flags
 * (tests/cli/run_args_test.ts checks that deno.json agrees).
 *
 * `--max-semi-space-size=8` caps V8's young generation at 8 MiB a semi-space. A pull or an
 * import keeps a few batches of records alive until they commit, so their objects outlive a
 * scavenge or two either way; a larger young generation only holds more of them. Measured
 * (docs/performance.md, "Scale and memory"): the peak RSS of a 100k-message pull drops from
 * 215-245 MiB to 156-178 MiB and of a 1M-message pull from 247-262 MiB to 164-171 MiB, at
 * the same speed.
 *
 * @module
 */

/** V8's flags for ctdlsync. */
export const V8_FLAGS = "--max-semi-space-size=8";

/** `deno run` and its flags, before the script. */
export const DENO_RUN = ["run", "-A", "--unstable-kv", `--v8-flags=${V8_FLAGS}`] as const;

/** The ctdlsync entry point of this checkout. */
export const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** The arguments of `deno` that run `ctdlsync ARGS` from this checkout. */
export function ctdlsyncArgs(args: readonly string[]): string[] {
  return [...DENO_RUN, MAIN, ...args];
}
