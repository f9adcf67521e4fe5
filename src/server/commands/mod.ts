import { joinFamilies } from "../dispatch.ts";
import type { CommandTable } from "../command.ts";
import { adminCommands } from "./admin.ts";
import { downloadCommands } from "./downloads.ts";
import { fileAdminCommands } from "./file_admin.ts";
import { uploadCommands } from "./uploads.ts";
import { loginCommands } from "./login.ts";
import { messageAdminCommands } from "./message_admin.ts";
import { messageListCommands } from "./message_lists.ts";
import { postingCommands } from "./posting.ts";
import { readingCommands } from "./reading.ts";
import { migrateCommands } from "./migrate.ts";
import { floorCommands } from "./floors.ts";
import { gotoCommands } from "./goto.ts";
import { roomAdminCommands } from "./room_admin.ts";
import { roomAideCommands } from "./room_aide.ts";
import { roomInfoCommands } from "./room_info.ts";
import { roomListCommands } from "./room_lists.ts";
import { visitCommands } from "./visits.ts";
import { sessionCommands } from "./session_cmds.ts";
import { singleUserCommands } from "./single_user.ts";
import { syncCommands } from "./sync.ts";
import { systemMessageCommands } from "./system_messages.ts";
import { userCommands } from "./users.ts";
import { unsupportedCommands } from "./unsupported.ts";
import { calendarCommands } from "./calendar.ts";
import { expiryCommands } from "./expiry.ts";
import { networkCommands } from "./network.ts";
import { pictureCommands } from "./pictures.ts";
import { sieveCommands } from "./sieve.ts";
import { registrationCommands } from "./registration.ts";
import { bioCommands } from "./bios.ts";
import { pagingCommands } from "./paging.ts";
import { userDirectoryCommands } from "./user_directory.ts";

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
  roomListCommands,
  gotoCommands,
  roomInfoCommands,
  visitCommands,
  roomAdminCommands,
  roomAideCommands,
  floorCommands,
  userCommands,
  unsupportedCommands,
  calendarCommands,
  expiryCommands,
  networkCommands,
  pictureCommands,
  sieveCommands,
  registrationCommands,
  bioCommands,
  pagingCommands,
  userDirectoryCommands,
  adminCommands,
  migrateCommands,
  messageListCommands,
  readingCommands,
  postingCommands,
  messageAdminCommands,
  downloadCommands,
  uploadCommands,
  fileAdminCommands,
});
