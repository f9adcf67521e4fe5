/**
 * The command line's one argument parser: flags via node:util parseArgs, `--help` on every
 * subcommand, and one helper for whole numbers and seconds. Mistakes become `UsageError`
 * (one line, exit 2).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { isTableName, TABLE_NAMES, type TableName } from "../store/tables.ts";

/** A usage mistake: one line, exit 2. */
export class UsageError extends Error {}

/** Parsed flags of one subcommand. */
export type Flags = Record<string, string | boolean | undefined>;

/** The type of each flag a subcommand takes. */
export type FlagSpec = Record<string, "string" | "boolean">;

/** Thrown by `parseFlags` when `--help` was given: the caller prints usage and exits 0. */
export class HelpRequested extends Error {}

/** Parses `args` strictly against `spec`; `--help`/`-h` throws HelpRequested. */
export function parseFlags(args: string[], spec: FlagSpec): Flags {
  if (args.includes("--help") || args.includes("-h")) throw new HelpRequested();
  const options = Object.fromEntries(Object.entries(spec).map(([k, type]) => [k, { type }]));
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Flags;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A required string flag. */
export function need(flags: Flags, name: string): string {
  const v = flags[name];
  if (typeof v !== "string" || v === "") throw new UsageError(`--${name} is required`);
  return v;
}

/** A whole-number flag (counts and seconds alike), or `fallback` when absent. */
export function int(flags: Flags, name: string, fallback: number): number {
  const v = flags[name];
  if (v === undefined) return fallback;
  if (typeof v !== "string" || !/^\d{1,15}$/.test(v)) {
    throw new UsageError(`--${name} takes a whole number`);
  }
  return Number(v);
}

/** Reads a password file (its trailing newline dropped). */
export async function readPassword(file: string): Promise<string> {
  try {
    return (await Deno.readTextFile(file)).replace(/\r?\n$/, "");
  } catch (e) {
    throw new UsageError(`cannot read password file ${file}: ${(e as Error).message}`);
  }
}

/** `--tables a,b`: checked table names, or undefined for all. */
export function tablesFlag(flags: Flags): TableName[] | undefined {
  if (typeof flags.tables !== "string") return undefined;
  const names = flags.tables.split(",").map((t) => t.trim()).filter(Boolean);
  for (const n of names) {
    if (!isTableName(n)) {
      throw new UsageError(`unknown table '${n}' (tables: ${TABLE_NAMES.join(", ")})`);
    }
  }
  return names as TableName[];
}

/** Refuses `--data` naming something that is not a directory, before anything opens it. */
export async function checkDataDir(dir: string): Promise<void> {
  const st = await Deno.stat(dir).catch(() => null);
  if (st && !st.isDirectory) throw new UsageError(`--data ${dir} is not a directory`);
}

/** Writes a progress line in place on a terminal. */
export function progressWriter(): (line: string) => void {
  const enc = new TextEncoder();
  return (line) => Deno.stderr.writeSync(enc.encode(`\r\x1b[K${line}`));
}
