import { AGUP_FIELDS, wireFields } from "../../schema/wire_orders.ts";
import { Code, CtdlError } from "../../errors.ts";
import { ControlFlag, readConfig, readCounter } from "../../store/control.ts";
import { getVisit, roomMessages } from "../../store/rooms.ts";
import { isSeen, parseSeen } from "../../store/seen_set.ts";
import type { Op, Store } from "../../store/store.ts";
import type { User } from "../../store/tables.ts";
import {
  AxLevel,
  createUser,
  getUser,
  hashPassword,
  listUsers,
  updateUser,
  US_USER_SET,
  UserFlag,
  userKey,
  userOps,
} from "../../store/users.ts";
import { enterBaseRoom } from "../access.ts";
import { getMailbox } from "../mailbox.ts";
import { userAddress } from "../addresses.ts";
import { intOr } from "../args.ts";
import { aideNotice } from "../post_message.ts";
import { defaultCard, saveCard } from "../registration_card.ts";
import { createPersonalRooms } from "../personal_rooms.ts";
import { ownAddress } from "../addresses.ts";
import type { CommandTable } from "../command.ts";
import { checkSingleUser, completeLogin } from "../login_flow.ts";

/**
 * Citadel's strproc() for user names: control and non-ASCII characters become blanks,
 * blanks are trimmed and collapsed, and `! @ _ , % |` are removed (they would break
 * network addressing). So "Zoë Müller" becomes "Zo M ller" and "sysop_jr" "sysopjr".
 */
export function strproc(name: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(name)) {
    out += byte < 32 || byte > 126 ? " " : String.fromCharCode(byte);
  }
  return out.replace(/[!@_,%|]/g, "").replace(/ +/g, " ").trim();
}

/** The flags 902 gives a new account: last-old, disappearing prompts, paginator, floors. */
const NEW_USER_FLAGS = UserFlag.LASTOLD | UserFlag.DISAPPEAR | UserFlag.PAGINATOR |
  UserFlag.FLOORS;

/** Rewrites one user record (read-modify-write in one commit); 570 if the user is gone. */
async function updateExistingUser(
  store: Store,
  name: string,
  change: (u: User) => User,
): Promise<User> {
  const user = await updateUser(store, name, change);
  if (!user) throw new CtdlError(Code.NO_SUCH_USER, "No such user.");
  return user;
}

/** The ops that remove a user: the record and its index entries (Citadel's purge_user). */
function purgeOps(user: User): Op[] {
  return userOps(user).map((op) => ({ ...op, value: null }));
}

/** New messages in the user's own Mail room (CHEK's first field). */
async function newMailCount(store: Store, user: User): Promise<number> {
  const mail = await getMailbox(store, user.usernum, "Mail");
  if (!mail) return 0;
  const seen = parseSeen((await getVisit(store, mail, user.usernum)).seen);
  return (await roomMessages(store, mail.number)).filter((n) => !isSeen(seen, n)).length;
}

/** The access level new accounts get (c_initax, default 4). */
async function initialAxLevel(store: Store): Promise<number> {
  const ax = Number(await readConfig(store, "c_initax", "4"));
  return Number.isInteger(ax) && ax >= AxLevel.NEW && ax <= AxLevel.AIDE ? ax : AxLevel.NETWORK;
}

/** A user name from a client, run through strproc; 542 when nothing is left. */
function userNameArg(raw: string | undefined): string {
  const name = strproc(raw ?? "");
  if (name === "" || userKey(name) === "") {
    throw new CtdlError(Code.USERNAME_REQUIRED, "You must supply a user name.");
  }
  return name;
}

/** User commands: NEWU, SETP, CHEK, GETU, SETU, CREU, AGUP, ASUP, LIST. */
export const userCommands: CommandTable = {
  NEWU: {
    access: "any",
    async run(s, args) {
      const store = s.server.store;
      if ((await readConfig(store, "c_disable_newu", "0")) === "1") {
        throw new CtdlError(
          Code.NOT_HERE,
          "Self-service user account creation is disabled on this system.",
        );
      }
      if (s.user) throw new CtdlError(Code.ALREADY_LOGGED_IN, "Already logged in.");
      const wanted = strproc(args[0] ?? "");
      // Before the name is required: 902 calls "." invalid, not missing.
      if (["bbs", "new", "."].includes(wanted.toLowerCase())) {
        throw new CtdlError(Code.ILLEGAL_VALUE, `'${wanted}' is an invalid login name.`);
      }
      const name = userNameArg(wanted);
      checkSingleUser(s, name);
      const now = Math.floor(Date.now() / 1000);
      const user = await createUser(store, {
        fullname: name,
        axlevel: await initialAxLevel(store),
        flags: NEW_USER_FLAGS,
        timescalled: 1,
        lastcall: now,
      }, "");
      // 902 logs the new user in, then gives the account a registration card made from the
      // name, saved (and counted as a post) in the user's own session.
      await aideNotice(s, "User Creation Notice", `New user account <${name}> has been created.`);
      s.user = user;
      const fqdn = await readConfig(store, "c_fqdn", "localhost");
      // 902 makes personal rooms at login; ctdlsync never writes on login (a pull's own
      // login must not change what it pulls), so a new account gets them now.
      await createPersonalRooms(store, user);
      await saveCard(s, user, defaultCard(user, ownAddress(user, fqdn)));
      await completeLogin(s, s.user);
      await enterBaseRoom(s);
    },
  },
  SETP: {
    access: "user",
    async run(s, _args, raw) {
      const user = s.requireUser();
      let clear = raw.trim();
      let reply = "200 Password changed.";
      if (clear.toUpperCase() === "GENERATE_RANDOM_PASSWORD") {
        const bytes = crypto.getRandomValues(new Uint8Array(8));
        clear = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
        reply = `200 ${clear}`;
      } else if (clear === "") {
        await s.reply(`${Code.OK} Password unchanged.`);
        return;
      }
      const hash = await hashPassword(clear);
      s.user = await updateExistingUser(
        s.server.store,
        user.fullname,
        (u) => ({ ...u, password: hash }),
      );
      await s.reply(reply);
    },
  },
  CHEK: {
    access: "user",
    async run(s) {
      const store = s.server.store;
      const user = await s.refreshUser();
      const regiscall = Number(await readConfig(store, "c_regiscall", "0")) || 0;
      const regis = regiscall !== 0 && !(user.flags & UserFlag.REGIS) ? 1 : 0;
      const vali = user.axlevel >= AxLevel.AIDE &&
          ((await readCounter(store, "MMflags")) & ControlFlag.VALID)
        ? 1
        : 0;
      const email = await userAddress(store, user);
      await s.reply(`${Code.OK} ${await newMailCount(store, user)}|${regis}|${vali}|${email}|`);
    },
  },
  GETU: {
    access: "user",
    async run(s) {
      const user = await s.refreshUser();
      // Width and height are fixed: Citadel stopped storing them long ago.
      await s.reply(`${Code.OK} 80|24|${user.flags & US_USER_SET}|`);
    },
  },
  SETU: {
    access: "user",
    async run(s, args) {
      if (args.length < 3) throw new CtdlError(Code.ILLEGAL_VALUE, "Usage error.");
      const flags = intOr(args[2], 0);
      s.user = await updateExistingUser(s.server.store, s.requireUser().fullname, (u) => ({
        ...u,
        flags: (u.flags & ~US_USER_SET) | (flags & US_USER_SET),
      }));
      await s.reply(`${Code.OK} Ok`);
    },
  },
  CREU: {
    access: "aide",
    async run(s, args) {
      const store = s.server.store;
      const name = userNameArg(args[0]);
      const password = (args[1] ?? "").trim();
      const user = await createUser(
        store,
        {
          fullname: name,
          axlevel: await initialAxLevel(store),
          flags: NEW_USER_FLAGS,
          lastcall: Math.floor(Date.now() / 1000),
        },
        password,
      );
      const fqdn = await readConfig(store, "c_fqdn", "localhost");
      // 902 makes personal rooms at login; ctdlsync never writes on login (a pull's own
      // login must not change what it pulls), so a new account gets them now.
      await createPersonalRooms(store, user);
      await saveCard(s, user, defaultCard(user, ownAddress(user, fqdn)));
      await aideNotice(
        s,
        "User Creation Notice",
        `A new user account <${name}> has been created by ${s.requireUser().fullname}.`,
      );
      await s.reply(
        password !== ""
          ? `200 User '${user.fullname}' created and password set.`
          : `200 User '${user.fullname}' created.`,
      );
    },
  },
  AGUP: {
    access: "aide",
    async run(s, args) {
      const user = await getUser(s.server.store, (args[0] ?? "").trim());
      if (!user) throw new CtdlError(Code.NO_SUCH_USER, "No such user.");
      // Citadel sends the clear password here; we only keep a hash, so the field is empty
      // (and ASUP treats an empty one as "unchanged").
      await s.reply(`200 ${wireFields(user, AGUP_FIELDS, { password: "" }).join("|")}`);
    },
  },
  ASUP: {
    access: "aide",
    async run(s, args) {
      const store = s.server.store;
      const name = (args[0] ?? "").trim();
      const n = args.length;
      const password = n > 1 ? args[1] : "";
      const hash = password.trim() !== "" ? await hashPassword(password) : null;
      const flags = n > 2 ? intOr(args[2], 0) : null;
      const timescalled = n > 3 ? intOr(args[3], 0) : null;
      const posted = n > 4 ? intOr(args[4], 0) : null;
      const ax = n > 5 ? intOr(args[5], -1) : null;
      const lastcall = n > 7 ? intOr(args[7], 0) : null;
      const purgedays = n > 8 ? intOr(args[8], 0) : null;
      let deleted = false;
      await store.update(async (r) => {
        const user = await getUser(r, name);
        if (!user) throw new CtdlError(Code.NO_SUCH_USER, "No such user.");
        const u: User = { ...user };
        if (hash !== null) u.password = hash;
        if (flags !== null) u.flags = flags;
        if (timescalled !== null) u.timescalled = timescalled;
        if (posted !== null) u.posted = posted;
        // Out-of-range levels are ignored, as Citadel does.
        if (ax !== null && ax >= AxLevel.DELETED && ax <= AxLevel.AIDE) u.axlevel = ax;
        if (lastcall !== null) u.lastcall = lastcall;
        if (purgedays !== null) u.purgedays = purgedays;
        deleted = u.axlevel === AxLevel.DELETED;
        return { ops: deleted ? purgeOps(user) : userOps(u) };
      });
      await s.reply(deleted ? `200 Ok (${name} deleted)` : "200 Ok");
    },
  },
  LIST: {
    access: "any",
    async run(s, args) {
      const search = (args[0] ?? "").trim().toLowerCase();
      const isAide = (s.user?.axlevel ?? 0) >= AxLevel.AIDE;
      const lines: string[] = [];
      for await (const u of listUsers(s.server.store)) {
        if (u.axlevel <= AxLevel.DELETED) continue;
        if ((u.flags & UserFlag.UNLISTED) && !isAide) continue;
        if (search !== "" && !u.fullname.toLowerCase().includes(search)) continue;
        lines.push(
          `${u.fullname}|${u.axlevel}|${u.usernum}|${u.lastcall}|${u.timescalled}|${u.posted}||`,
        );
      }
      await s.listing("", lines);
    },
  },
};
