/**
 * Errors that reach a user: a Citadel result code and one line of reason.
 *
 * The code is what the wire replies with (e.g. 512 ILLEGAL_VALUE, 572 ROOM_NOT_FOUND), so
 * a handler can throw and the session turns it into `<code> <reason>` without a stack trace.
 * The command line prints `ctdlsync: <reason>` and exits non-zero.
 */
export class CtdlError extends Error {
  /** Citadel result code (5xx) used on the wire. */
  readonly code: number;

  constructor(code: number, reason: string) {
    super(reason);
    this.name = "CtdlError";
    this.code = code;
  }
}

/** Citadel's result codes that ctdlsync uses, named as in Citadel's ipcdef.h. */
export const Code = {
  LISTING_FOLLOWS: 100,
  OK: 200,
  MORE_DATA: 300,
  SEND_LISTING: 400,
  ERROR: 500,
  BINARY_FOLLOWS: 600,
  SEND_BINARY: 700,
  START_CHAT_MODE: 800,
  INTERNAL_ERROR: 510,
  TOO_BIG: 511,
  ILLEGAL_VALUE: 512,
  NOT_LOGGED_IN: 520,
  CMD_NOT_SUPPORTED: 530,
  SERVER_SHUTTING_DOWN: 531,
  PASSWORD_REQUIRED: 540,
  ALREADY_LOGGED_IN: 541,
  USERNAME_REQUIRED: 542,
  HIGHER_ACCESS_REQUIRED: 550,
  MAX_SESSIONS_EXCEEDED: 551,
  RESOURCE_BUSY: 552,
  RESOURCE_NOT_OPEN: 553,
  NOT_HERE: 560,
  INVALID_FLOOR_OPERATION: 561,
  NO_SUCH_USER: 570,
  FILE_NOT_FOUND: 571,
  ROOM_NOT_FOUND: 572,
  NO_SUCH_SYSTEM: 573,
  ALREADY_EXISTS: 574,
  MESSAGE_NOT_FOUND: 575,
} as const;

/** Shorthand for `new CtdlError(Code.ILLEGAL_VALUE, reason)`. */
export function illegal(reason: string): CtdlError {
  return new CtdlError(Code.ILLEGAL_VALUE, reason);
}
