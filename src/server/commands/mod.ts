import { joinFamilies } from "../dispatch.ts";
import type { CommandTable } from "../session.ts";
import { adminCommands } from "./admin.ts";
import { fileCommands } from "./files.ts";
import { loginCommands } from "./login.ts";
import { messageCommands } from "./messages.ts";
import { migrateCommands } from "./migrate.ts";
import { roomCommands } from "./rooms.ts";
import { sessionCommands } from "./session_cmds.ts";
import { singleUserCommands } from "./single_user.ts";
import { syncCommands } from "./sync.ts";
import { systemMessageCommands } from "./system_messages.ts";
import { userCommands } from "./users.ts";

/**
 * The command table: every verb the server answers, one family per file. A new command is
 * one entry in its family's table; a verb defined by two families fails at start-up.
 */
export const COMMANDS: CommandTable = joinFamilies({
  sessionCommands,
  loginCommands,
  singleUserCommands,
  syncCommands,
  systemMessageCommands,
  roomCommands,
  userCommands,
  adminCommands,
  migrateCommands,
  messageCommands,
  fileCommands,
});
