/**
 * ctdlsync: a Citadel server whose data lives in Deno KV, and the client that pulls a
 * verified duplicate of another server over the wire. This file only dispatches: each
 * subcommand is one module in src/cli/.
 *
 * Exit codes: 0 done; 1 failed (store, internal); 2 usage or connection error;
 * 3 verification failed or data arrived damaged: run again; 130/143 interrupted.
 */
import { HelpRequested } from "./src/cli/args.ts";
import type { Command } from "./src/cli/command.ts";
import { Exit, reportError } from "./src/cli/exit.ts";
import { exitOnInterrupt, interruptInProgress } from "./src/cli/signals.ts";
import { VERSION } from "./src/version.ts";

/**
 * Each subcommand's module is loaded when it runs: loading every module costs a few
 * hundred milliseconds of start-up that `stats` or `status` need not pay.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import("./src/cli/serve.ts")).serve,
  pull: async () => (await import("./src/cli/pull.ts")).pull,
  push: async () => (await import("./src/cli/push.ts")).push,
  verify: async () => (await import("./src/cli/verify.ts")).verify,
  status: async () => (await import("./src/cli/status.ts")).status,
  promote: async () => (await import("./src/cli/promote.ts")).promote,
  seed: async () => (await import("./src/cli/seed.ts")).seed,
  stats: async () => (await import("./src/cli/stats.ts")).stats,
  import: async () => (await import("./src/cli/import.ts")).importCommand,
  export: async () => (await import("./src/cli/export.ts")).exportCommand,
  mirror: async () => (await import("./src/cli/mirror.ts")).mirror,
  demo: async () => (await import("./src/cli/demo.ts")).demo,
};

const EXIT_CODES =
  "exit codes: 0 ok, 1 failed, 2 usage or connection error, 3 verification failed (run again),\n" +
  "            130 interrupted (SIGINT), 143 terminated (SIGTERM)";

async function usage(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  return `usage: ctdlsync <command> [options]   (ctdlsync <command> --help, ctdlsync --version)

${commands.map((c) => `  ${c.usage}`).join("\n")}

${EXIT_CODES}`;
}

/** Runs the CLI; returns the exit code. Errors become one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V" || name === "version") {
    console.log(`ctdlsync ${VERSION}`);
    return Exit.OK;
  }
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(await usage());
    return name ? Exit.OK : Exit.USAGE;
  }
  const cmd = Object.hasOwn(COMMANDS, name) ? await COMMANDS[name]() : undefined;
  if (!cmd) {
    console.error(`ctdlsync: unknown command '${name}' (ctdlsync --help lists them)`);
    return Exit.USAGE;
  }
  // serve stops cleanly on SIGTERM/SIGINT by itself; everything else exits 130/143.
  if (name !== "serve") exitOnInterrupt(cmd.interrupted ?? "interrupted");
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof HelpRequested) {
      console.log(`usage: ctdlsync ${cmd.usage}\n\n${EXIT_CODES}`);
      return Exit.OK;
    }
    return await interruptInProgress() ?? reportError(e);
  }
}

if (import.meta.main) {
  // Last resort: an error that escapes every await still becomes one line, never a trace.
  globalThis.addEventListener("unhandledrejection", (ev) => {
    ev.preventDefault();
    if (interruptInProgress()) return;
    Deno.exit(reportError(ev.reason));
  });
  globalThis.addEventListener("error", (ev) => {
    ev.preventDefault();
    if (interruptInProgress()) return;
    Deno.exit(reportError(ev.error));
  });
  Deno.exit(await main(Deno.args));
}
