import { CtdlError } from "../errors.ts";
import { counterOp, readCounter } from "./control.ts";
import { type Op, type Reader, type Store } from "./store.ts";
import { TABLES, type User } from "./tables.ts";
import { UserFlag } from "../schema/flags.ts";
import { USER } from "../schema/records.ts";
import { withDefaults } from "../schema/record.ts";

export { AxLevel, UserFlag } from "../schema/flags.ts";

/** Flags a user may set with SETU (Citadel's US_USER_SET). */
export const US_USER_SET = UserFlag.LASTOLD | UserFlag.EXPERT | UserFlag.UNLISTED |
  UserFlag.NOPROMPT | UserFlag.DISAPPEAR | UserFlag.PAGINATOR | UserFlag.FLOORS |
  UserFlag.COLOR | UserFlag.PROMPTCTL | UserFlag.EXTEDIT;

/**
 * A user's key: the name lower-cased with everything but letters and digits removed, as
 * modern Citadel does, so "Foo Bar" and "foobar" are the same account.
 */
export function userKey(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

const encoder = new TextEncoder();

/** The default PBKDF2 work factor for passwords set by people (login, NEWU, SETP, import). */
export const PASSWORD_ITERATIONS = 100_000;

/**
 * Citadel compares native passwords case-insensitively after folding white space; hashing
 * the folded form keeps that rule, so a duplicate accepts exactly what its source accepted.
 */
function foldPassword(pw: string): string {
  return pw.trim().replace(/\s+/g, " ").toLowerCase();
}

async function pbkdf2(pw: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(foldPassword(pw)),
    "PBKDF2",
    false,
    [
      "deriveBits",
    ],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/**
 * Hashes a password as `pbkdf2-sha256$<iterations>$<salt>$<hash>`; "" stays "" (no
 * password). `salt` is random unless given (the seed generator gives one, to be repeatable).
 */
export async function hashPassword(
  pw: string,
  iterations = PASSWORD_ITERATIONS,
  salt: Uint8Array = crypto.getRandomValues(new Uint8Array(16)),
): Promise<string> {
  if (pw === "") return "";
  return `pbkdf2-sha256$${iterations}$${b64(salt)}$${b64(await pbkdf2(pw, salt, iterations))}`;
}

/** True when `pw` matches the stored hash. An empty stored password matches only "". */
export async function checkPassword(stored: string, pw: string): Promise<boolean> {
  if (stored === "") return foldPassword(pw) === "";
  const [scheme, iter, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !iter || !salt || !hash) return false;
  const got = await pbkdf2(pw, unb64(salt), Number(iter));
  const want = unb64(hash);
  if (got.length !== want.length) return false;
  let diff = 0;
  for (let i = 0; i < got.length; i++) diff |= got[i] ^ want[i];
  return diff === 0;
}

/** Reads a user by name (any spelling that folds to the same key). */
export async function getUser(r: Reader | Store, name: string): Promise<User | null> {
  const bytes = await r.get("users", [userKey(name)]);
  return bytes ? TABLES.users.codec.decode(bytes) : null;
}

/** Reads a user by number through the users-by-number index. */
export async function getUserByNumber(r: Reader | Store, usernum: number): Promise<User | null> {
  const name = await r.get("usersbynumber", [usernum]);
  return name ? getUser(r, TABLES.usersbynumber.codec.decode(name)) : null;
}

/** The ops that store a user and its index entries (by number, and each e-mail address). */
export function userOps(user: User): Op[] {
  const ops: Op[] = [
    { table: "users", key: [userKey(user.fullname)], value: TABLES.users.codec.encode(user) },
    { table: "usersbynumber", key: [user.usernum], value: encoder.encode(user.fullname) },
  ];
  for (
    const addr of user.emailaddrs.split("|").map((a) => a.trim().toLowerCase()).filter(Boolean)
  ) {
    ops.push({ table: "directory", key: [addr], value: encoder.encode(user.fullname) });
  }
  return ops;
}

/**
 * Rewrites a user's record in one commit (read, `change`, write). null, and nothing written,
 * when no user has that name (one deleted meanwhile).
 */
export async function updateUser(
  store: Store,
  name: string,
  change: (u: User) => User,
): Promise<User | null> {
  let result: User | null = null;
  await store.update(async (r) => {
    const user = await getUser(r, name);
    result = user ? change(user) : null;
    return { ops: result ? userOps(result) : [] };
  });
  return result;
}

/** A user record with Citadel's defaults (from the schema) for everything not given. */
export function newUserRecord(fields: Partial<User> & { fullname: string; usernum: number }): User {
  return withDefaults(USER, fields);
}

/**
 * Creates a user with the next user number, atomically. Fails with 574 if the name (as
 * folded) exists, 512 if it is empty or too long.
 */
export async function createUser(
  store: Store,
  fields: Partial<User> & { fullname: string },
  clearPassword?: string,
): Promise<User> {
  const fullname = fields.fullname.trim();
  if (userKey(fullname) === "") throw new CtdlError(512, "user name is empty");
  if (new TextEncoder().encode(fullname).length > 63) {
    throw new CtdlError(512, "user name is too long");
  }
  const password = clearPassword === undefined
    ? fields.password ?? ""
    : await hashPassword(clearPassword);
  let made: User | undefined;
  await store.update(async (r) => {
    if (await getUser(r, fullname)) throw new CtdlError(574, `'${fullname}' already exists.`);
    const usernum = (await readCounter(r, "MMnextuser")) + 1;
    made = newUserRecord({ ...fields, fullname, usernum, password });
    return { ops: [...userOps(made), counterOp("MMnextuser", usernum)] };
  });
  return made!;
}

/** Lists all users in key order. */
export async function* listUsers(store: Store): AsyncGenerator<User> {
  for await (const rec of store.list("users")) yield TABLES.users.codec.decode(rec.value);
}
