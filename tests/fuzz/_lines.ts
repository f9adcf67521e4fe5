/**
 * The command lines of the session fuzz (issue 12): seeded, and refused or read-only by
 * construction, so that a run must leave the store's digests as they were.
 *
 * What each session is sent:
 * - every session: read-only verbs with mutated arguments, made-up verbs, binary junk and
 *   over-long lines;
 * - the anonymous session also gets every verb that needs a login (they are refused with
 *   520 before they run), and the ordinary user every verb that needs an Aide (550);
 * - verbs that write and that the session could legitimately run are never sent to it.
 *
 * Excluded by construction, and why:
 * - NEWU (anyone may create an account), QUIT and QNOP (QNOP has no reply);
 * - GOTO in logged-in sessions: like Citadel's, it writes the visit record (a zapped room is
 *   unzapped, the room becomes known), so only the anonymous session sends it (refused);
 * - LOUT, SNGL and ESNG in logged-in sessions (they change who the session is, or lock
 *   everyone else out), and from the Aide the writing sub-verbs of CONF (SET, PUTVAL) and
 *   MIGR (import), and SYNC's bulk sub-verbs (their chunk framing is the pull tests' part);
 * - a PASS or USER line that names a real password is never generated (passwords below are
 *   checked), so no fuzzed line logs a session in.
 * - a made-up verb always has a character in its first four that no Citadel verb has, and
 *   binary junk starts with a byte over 0x7f, so neither can hit a verb added later.
 */
import { FIXTURE_USERS } from "../../fixtures/small.ts";

/** Who a fuzzed session is. */
export type Role = "anonymous" | "user" | "aide";

/** Verbs that only read (or change only the session's own state), for any session. */
export const READ_ONLY = [
  "NOOP",
  "ECHO",
  "INFO",
  "TIME",
  "IDEN",
  "MORE",
  "MSGP",
  "ASYN",
  "LIST",
  "QUSR",
  "RWHO",
  "MESG",
  "CHEK",
  "GETU",
  "GEXP",
  "LKRA",
  "LKRN",
  "LKRO",
  "LZRM",
  "LRMS",
  "LPRM",
  "LFLR",
  "RINF",
  "GETR",
  "GTSN",
  "MSGS",
  "MSG0",
  "MSG2",
  "MSG4",
  "RDIR",
  "OPEN",
  "OPNA",
  "READ",
  "CLOS",
  "EUID",
  "USER",
  "PASS",
];

/** Verbs that need a login and may write: refused to the anonymous session only. */
export const USER_WRITES = [
  "GOTO",
  "ENT0",
  "DELE",
  "SLRP",
  "FORG",
  "SEEN",
  "CRE8",
  "SETR",
  "SETP",
  "SETU",
  "UOPN",
  "WRIT",
  "UCLS",
];

/** Verbs that need an Aide: refused to the anonymous and the ordinary session. */
export const AIDE_ONLY = [
  "CONF",
  "MIGR",
  "SYNC",
  "SNGL",
  "ESNG",
  "EMSG",
  "CFLR",
  "KFLR",
  "EFLR",
  "CREU",
  "AGUP",
  "ASUP",
];

const PASSWORDS = Object.values(FIXTURE_USERS).map((u) => u.password.toLowerCase());

const TOKENS = [
  "",
  "0",
  "1",
  "-1",
  "2",
  "3",
  "7",
  "42",
  "2147483648",
  "-2147483649",
  "99999999999999999999",
  "0x10",
  "1e9",
  "NaN",
  " ",
  "  1",
  "all",
  "new",
  "old",
  "last",
  "first",
  "gt",
  "lt",
  "info",
  "users",
  "rooms",
  "messages",
  "config",
  "floors",
  "Lobby",
  "_MAIL_",
  "_BASEROOM_",
  "Aide",
  "Mail",
  "Trashcan",
  "Inner Circle",
  "File Library",
  "Upstairs Lounge",
  "SysOp",
  "Alice Tester",
  "Bob Builder",
  "nobody",
  "../x",
  "..",
  "/etc/passwd",
  "%",
  "%s%n%x",
  "text/plain",
  "text/html",
  "*",
  "?",
  "000",
  "<xml>",
  "&amp;",
  "é",
  "日本",
  "🎉",
  "\u0000",
  "\t",
  "\r",
  "\\",
  "'",
  '"',
  "a",
  "ZZZZ",
  "00000000000000000000000000000000",
];

/** Characters no Citadel verb contains (verbs are letters and digits). */
const NOT_IN_VERBS = "#%_-.~!$&*+,/:;<=>?@[]^`{}é";

/** The line generator for one run: the same seed gives the same lines. */
export class LineMaker {
  constructor(private rand: () => number) {}

  #int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  #pick<T>(xs: readonly T[]): T {
    return xs[this.#int(xs.length)];
  }

  /** A byte value from 1 to 255 other than a line feed (which would end the line). */
  #notLineFeed(): number {
    const b = 1 + this.#int(0xff);
    return b === 0x0a ? 0x0b : b;
  }

  /** Mutated arguments: real-looking tokens, separators, repeats and junk characters. */
  args(): string {
    const n = this.#int(8);
    let s = "";
    for (let i = 0; i < n; i++) {
      const r = this.rand();
      if (r < 0.6) s += this.#pick(TOKENS);
      else if (r < 0.7) s += "A".repeat(this.#int(400));
      else if (r < 0.8) s += String.fromCharCode(this.#notLineFeed());
      else s += String(this.#int(1 << 20) - (1 << 10));
      s += this.#pick(["|", "|", "|", " ", "", "||"]);
    }
    // A fuzzed line never carries a real password, so it never logs a session in.
    return PASSWORDS.some((p) => s.toLowerCase().includes(p)) ? "" : s;
  }

  /** A verb that is none of Citadel's (see NOT_IN_VERBS), in upper or mixed case. */
  madeUpVerb(): string {
    const len = 1 + this.#int(7);
    const chars: string[] = [];
    for (let i = 0; i < len; i++) {
      chars.push(String.fromCharCode(0x21 + this.#int(0x5e)));
    }
    chars[this.#int(Math.min(len, 4))] = this.#pick([...NOT_IN_VERBS]);
    return chars.join("");
  }

  /** The sub-verbs of CONF, MIGR and SYNC an Aide may be sent: reads and junk. */
  #aideArgs(verb: string): string {
    const junk = this.madeUpVerb();
    if (verb === "CONF") return `${this.#pick(["GET", "GETVAL", "LISTVAL", junk])}|${this.args()}`;
    if (verb === "MIGR") return `${junk}|${this.args()}`;
    // SYNC: info of all or of one table (a real name or not), or a sub-verb that is none.
    const table = this.#pick(["all", "users", "rooms", "messages", "floors", "config", junk]);
    return this.rand() < 0.5 ? `${table}|info` : `${table}|${junk}|${this.args()}`;
  }

  /** One line as bytes (without the newline), for a session of `role`. */
  line(role: Role): Uint8Array {
    const r = this.rand();
    const enc = new TextEncoder();
    if (r < 0.06) return this.#binary();
    if (r < 0.08) return enc.encode(this.#overLong());
    if (r < 0.2) return enc.encode(`${this.madeUpVerb()} ${this.args()}`);
    // Refused to this role, or (for the Aide) the verbs whose reading sub-verbs are chosen.
    const more = role === "anonymous"
      ? [...USER_WRITES, ...AIDE_ONLY]
      : role === "user"
      ? AIDE_ONLY
      : ["CONF", "MIGR", "SYNC"];
    const verb = r < 0.45 ? this.#pick(more) : this.#pick(READ_ONLY);
    const args = role === "aide" && more.includes(verb) ? this.#aideArgs(verb) : this.args();
    const sep = this.rand() < 0.05 ? this.#pick(["", "\t", "  "]) : " ";
    const cased = this.rand() < 0.1 ? verb.toLowerCase() : verb;
    return enc.encode(args === "" && this.rand() < 0.5 ? cased : `${cased}${sep}${args}`);
  }

  /** Random bytes without a line feed, starting with one over 0x7f. */
  #binary(): Uint8Array {
    const out = new Uint8Array(1 + this.#int(300));
    for (let i = 0; i < out.length; i++) {
      let b = this.#int(256);
      if (b === 0x0a) b = 0x0b;
      out[i] = b;
    }
    out[0] |= 0x80;
    return out;
  }

  /** A line past the server's 4095-byte limit: a read-only verb or junk, then filler. */
  #overLong(): string {
    const head = this.rand() < 0.5 ? `${this.#pick(READ_ONLY)} ` : this.madeUpVerb();
    return head + "x|".repeat(2048 + this.#int(30_000));
  }
}
