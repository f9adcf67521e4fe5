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
import { demo } from "./src/cli/demo.ts";
import { Exit, reportError } from "./src/cli/exit.ts";
import { exportCommand } from "./src/cli/export.ts";
import { importCommand } from "./src/cli/import.ts";
import { pull } from "./src/cli/pull.ts";
import { push } from "./src/cli/push.ts";
import { exitOnInterrupt } from "./src/cli/signals.ts";
import { seed } from "./src/cli/seed.ts";
import { serve } from "./src/cli/serve.ts";
import { stats } from "./src/cli/stats.ts";
import { status } from "./src/cli/status.ts";
import { verify } from "./src/cli/verify.ts";
import { VERSION } from "./src/version.ts";

const COMMANDS: Record<string, Command> = {
  serve,
  pull,
  push,
  verify,
  status,
  seed,
  stats,
  import: importCommand,
  export: exportCommand,
  demo,
};

const EXIT_CODES =
  "exit codes: 0 ok, 1 failed, 2 usage or connection error, 3 verification failed (run again),\n" +
  "            130 interrupted (SIGINT), 143 terminated (SIGTERM)";

const USAGE = `usage: ctdlsync <command> [options]   (ctdlsync <command> --help, ctdlsync --version)

${Object.values(COMMANDS).map((c) => `  ${c.usage}`).join("\n")}

${EXIT_CODES}`;

/** Runs the CLI; returns the exit code. Errors become one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V" || name === "version") {
    console.log(`ctdlsync ${VERSION}`);
    return Exit.OK;
  }
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(USAGE);
    return name ? Exit.OK : Exit.USAGE;
  }
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) {
    console.error(`ctdlsync: unknown command '${name}' (ctdlsync --help lists them)`);
    return Exit.USAGE;
  }
  // serve stops cleanly on SIGTERM/SIGINT by itself; everything else exits 130/143.
  if (cmd !== serve) exitOnInterrupt(cmd.interrupted ?? "interrupted");
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof HelpRequested) {
      console.log(`usage: ctdlsync ${cmd.usage}\n\n${EXIT_CODES}`);
      return Exit.OK;
    }
    return reportError(e);
  }
}

if (import.meta.main) {
  // Last resort: an error that escapes every await still becomes one line, never a trace.
  globalThis.addEventListener("unhandledrejection", (ev) => {
    ev.preventDefault();
    Deno.exit(reportError(ev.reason));
  });
  globalThis.addEventListener("error", (ev) => {
    ev.preventDefault();
    Deno.exit(reportError(ev.error));
  });
  Deno.exit(await main(Deno.args));
}
