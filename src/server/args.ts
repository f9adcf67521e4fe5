/**
 * Command arguments read the way Citadel reads them: numbers with atol()/atoi() semantics
 * (leading blanks, a sign, the digits that follow; anything else counts as 0), so a client
 * that sends `MSGS LAST|x` gets what 902 gives it instead of an error of our own.
 */

/** Citadel's atol(): the leading integer of `v`, or 0. */
export function atol(v: string | undefined): number {
  const m = /^\s*([+-]?\d+)/.exec(v ?? "");
  return m ? Number(m[1]) : 0;
}

/** atol() of an argument, or `fallback` when the argument is absent or blank. */
export function intOr(v: string | undefined, fallback = 0): number {
  return v === undefined || v.trim() === "" ? fallback : atol(v);
}

/** Citadel's extract_token(): argument `i` as sent, or "" when absent. */
export function textArg(args: string[], i: number): string {
  return args[i] ?? "";
}
