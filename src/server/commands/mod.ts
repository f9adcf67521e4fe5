import type { CommandTable } from "../session.ts";
import { loginCommands } from "./login.ts";
import { sessionCommands } from "./session_cmds.ts";
import { singleUserCommands } from "./single_user.ts";
import { syncCommands } from "./sync.ts";
import { systemMessageCommands } from "./system_messages.ts";

/**
 * The command table: every verb the server answers, one family per file. A new command is
 * one entry in its family's table.
 */
export const COMMANDS: CommandTable = {
  ...sessionCommands,
  ...loginCommands,
  ...singleUserCommands,
  ...syncCommands,
  ...systemMessageCommands,
};
