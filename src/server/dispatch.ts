import { Code, CtdlError } from "../errors.ts";
import { log } from "../log.ts";
import { AxLevel } from "../store/users.ts";
import type { Command, CommandTable } from "./command.ts";
import { isDisconnect, type Session } from "./session.ts";

/** Unrecognized commands in a row after which a session is ended (smtp-server's is 10). */
export const UNRECOGNIZED_BUDGET = 10;

/** Verbs a server started without sync answers as a stock Citadel does (530). */
const SYNC_VERBS = new Set(["SYNC", "SNGL", "ESNG"]);
/** Verbs that RWHO's "last command" does not show: keep-alives and the who-list itself. */
const UNLOGGED_VERBS = new Set(["NOOP", "QNOP", "RWHO"]);

/**
 * Joins the command families into one table, failing at start-up when two families define
 * the same verb (the later one would silently win otherwise).
 */
export function joinFamilies(families: Record<string, CommandTable>): CommandTable {
  const table: CommandTable = {};
  const owner = new Map<string, string>();
  for (const [family, commands] of Object.entries(families)) {
    for (const [verb, command] of Object.entries(commands)) {
      if (!/^[A-Z0-9]{4}$/.test(verb)) throw new Error(`${family}: '${verb}' is not a verb`);
      const first = owner.get(verb);
      if (first) throw new Error(`verb ${verb} is defined twice: in ${first} and in ${family}`);
      owner.set(verb, family);
      table[verb] = command;
    }
  }
  return table;
}

/** One sub-verb of a verb such as CONF, SYNC or MIGR: `args` are the others, in order. */
export type SubCommand = (s: Session, args: string[]) => Promise<void>;

/**
 * A command whose argument at `position` picks a handler from `table` (case-insensitive):
 * CONF GET|SET|..., MIGR export, SYNC <table>|<action>. A sub-verb defined twice (in any
 * case) fails at start-up; an unknown one gets `unknown(sub)` as a 512.
 */
export function subVerbs(
  access: Command["access"],
  table: Record<string, SubCommand>,
  unknown: (sub: string) => string,
  position = 0,
): Command {
  const byName = new Map<string, SubCommand>();
  for (const [name, run] of Object.entries(table)) {
    const key = name.toLowerCase();
    if (byName.has(key)) throw new Error(`sub-verb ${name} is defined twice`);
    byName.set(key, run);
  }
  return {
    access,
    async run(s, args) {
      const sub = (args[position] ?? "").trim();
      const run = byName.get(sub.toLowerCase());
      if (!run) throw new CtdlError(Code.ILLEGAL_VALUE, unknown(sub));
      await run(s, args.filter((_, i) => i !== position));
    },
  };
}

/**
 * Runs command lines against the command table: parses the verb, counts unrecognized
 * commands, checks access against the user's current record, and turns every error into a
 * reply. A handler that throws something unexpected gets 510 (its stack goes to the log,
 * never to the wire) and the session goes on.
 */
export class Dispatcher {
  readonly #table: CommandTable;
  readonly #sync: boolean;

  constructor(table: CommandTable, opts: { sync: boolean }) {
    this.#table = table;
    this.#sync = opts.sync;
  }

  /** Runs one line; `around` wraps the handler (the server's write-guard context). */
  async run(
    s: Session,
    line: string,
    around: (fn: () => Promise<void>) => Promise<void> = (fn) => fn(),
  ): Promise<void> {
    const verb = line.slice(0, 4).toUpperCase();
    const raw = line.length > 5 ? line.slice(5) : "";
    try {
      await this.#runVerb(s, line, verb, raw, around);
    } finally {
      // RWHO shows the last command a session finished, so its own RWHO shows the one before.
      if (!UNLOGGED_VERBS.has(verb)) s.lastCommand = verb;
    }
  }

  async #runVerb(
    s: Session,
    line: string,
    verb: string,
    raw: string,
    around: (fn: () => Promise<void>) => Promise<void>,
  ): Promise<void> {
    const cmd = Object.hasOwn(this.#table, verb) ? this.#table[verb] : undefined;
    if (!cmd || (!this.#sync && SYNC_VERBS.has(verb)) || (line.length > 4 && line[4] !== " ")) {
      await this.#unrecognized(s);
      return;
    }
    s.unrecognized = 0;
    try {
      // Rights follow the current record: a demoted or deleted user loses them at once.
      const user = await s.recheckUser();
      if (cmd.access !== "any" && !user) throw new CtdlError(Code.NOT_LOGGED_IN, "Not logged in.");
      if (cmd.access === "aide" && user!.axlevel < AxLevel.AIDE) {
        throw new CtdlError(Code.HIGHER_ACCESS_REQUIRED, "This command requires Admin access.");
      }
      await around(() => cmd.run(s, raw === "" ? [] : raw.split("|"), raw));
    } catch (e) {
      if (e instanceof CtdlError) {
        await s.reply(`${e.code} ${e.message}`);
        return;
      }
      if (isDisconnect(e)) throw e;
      log.error(`session ${s.id}: ${verb}: ${(e as Error).stack ?? e}`);
      await s.reply(`${Code.INTERNAL_ERROR} Internal error (logged as session ${s.id}).`);
    }
  }

  async #unrecognized(s: Session): Promise<void> {
    s.unrecognized++;
    if (s.unrecognized < UNRECOGNIZED_BUDGET) {
      await s.reply(`${Code.CMD_NOT_SUPPORTED} Unrecognized or unsupported command.`);
      return;
    }
    log.info(`session ${s.id}: ${s.unrecognized} unrecognized commands in a row, ending`);
    await s.reply(`${Code.ERROR} Too many unrecognized commands; goodbye.`);
    s.close();
  }
}
