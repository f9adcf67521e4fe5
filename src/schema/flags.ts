/**
 * Citadel's named numbers for users, rooms and visits (citadel.h), in one place so that the
 * record schemas, the store and the commands all say `RoomFlag.INUSE`, never `2`.
 *
 * @module
 */

/** Access levels (`axlevel`), as Citadel numbers them. */
export const AxLevel = {
  DELETED: 0,
  NEW: 1,
  PROBLEM: 2,
  LOCAL: 3,
  NETWORK: 4,
  PREFERRED: 5,
  AIDE: 6,
} as const;

/** US_* user flags. */
export const UserFlag = {
  NEEDVALID: 1,
  EXTEDIT: 2,
  PERM: 4,
  LASTOLD: 16,
  EXPERT: 32,
  UNLISTED: 64,
  NOPROMPT: 128,
  PROMPTCTL: 256,
  DISAPPEAR: 512,
  REGIS: 1024,
  PAGINATOR: 2048,
  INTERNET: 4096,
  FLOORS: 8192,
  COLOR: 16384,
} as const;

/** QR_* room flags. */
export const RoomFlag = {
  PERMANENT: 1,
  INUSE: 2,
  PRIVATE: 4,
  PASSWORDED: 8,
  GUESSNAME: 16,
  DIRECTORY: 32,
  UPLOAD: 64,
  DOWNLOAD: 128,
  VISDIR: 256,
  ANONONLY: 512,
  ANONOPT: 1024,
  NETWORK: 2048,
  PREFONLY: 4096,
  READONLY: 8192,
  MAILBOX: 16384,
} as const;

/** QR2_* room flags. */
export const RoomFlag2 = {
  SYSTEM: 1,
  SELFLIST: 2,
  COLLABDEL: 4,
  SUBJECTREQ: 8,
  SMTP_PUBLIC: 16,
  MODERATED: 32,
  NOUPLMSG: 64,
} as const;

/** F_* floor flags. */
export const FloorFlag = { INUSE: 1 } as const;

/** V_* visit flags. */
export const VisitFlag = { FORGET: 1, LOCKOUT: 2, ACCESS: 4 } as const;

/** Room views (`QRdefaultview`, `v_view`). */
export const View = {
  BBS: 0,
  MAILBOX: 1,
  ADDRESSBOOK: 2,
  CALENDAR: 3,
  TASKS: 4,
  NOTES: 5,
  WIKI: 6,
  DRAFTS: 9,
  BLOG: 10,
} as const;
