/**
 * What a command is: a verb's handler and who may run it. The command families in
 * src/server/commands/ each export a table of these; the dispatcher looks verbs up in them.
 *
 * @module
 */

import type { Session } from "./session.ts";

/** Who may run a command: anyone, a logged-in user, or an Aide (access level 6). */
export type Access = "any" | "user" | "aide";

/** One command of the command table: one handler per verb. */
export interface Command {
  access: Access;
  /** `args` are the `|`-separated arguments after the verb; `raw` is everything after it. */
  run(s: Session, args: string[], raw: string): Promise<void>;
}

/** The command table: verb (upper case, 4 letters) to handler. */
export type CommandTable = Record<string, Command>;
