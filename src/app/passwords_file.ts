/**
 * `export --passwords FILE`: the passwords chosen for accounts on the way back to Citadel,
 * one `name:password` per line (the name as the user logs in; the password after the first
 * colon, as is). Checked before anything is written.
 *
 * @module
 */

import { CtdlError } from "../errors.ts";
import { quoteSnippet } from "../migr/snippet.ts";
import { getUser, userKey } from "../store/users.ts";
import type { Store } from "../store/store.ts";

/** Citadel keeps the first 31 bytes of a password (`char password[32]`). */
const CITADEL_PASSWORD_MAX = 31;

/** Reads and checks a passwords file against the store; returns passwords by user key. */
export async function readPasswordsFile(path: string, store: Store): Promise<Map<string, string>> {
  const text = await Deno.readTextFile(path).catch((e) => {
    throw new CtdlError(571, `cannot read ${path}: ${(e as Error).message}`);
  });
  const out = new Map<string, string>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    if (line.trim() === "") continue;
    const where = `${path} line ${i + 1}`;
    const colon = line.indexOf(":");
    if (colon < 0) throw new CtdlError(512, `${where}: not 'name:password'`);
    const name = line.slice(0, colon).trim();
    const password = line.slice(colon + 1);
    if (!await getUser(store, name)) {
      throw new CtdlError(570, `${where}: no user ${quoteSnippet(name)} in the store`);
    }
    if (password.trim() === "") throw new CtdlError(512, `${where}: the password is empty`);
    if (new TextEncoder().encode(password).length > CITADEL_PASSWORD_MAX) {
      throw new CtdlError(
        512,
        `${where}: Citadel keeps only ${CITADEL_PASSWORD_MAX} bytes of a password; choose a ` +
          `shorter one`,
      );
    }
    if (out.has(userKey(name))) throw new CtdlError(512, `${where}: ${name} is given twice`);
    out.set(userKey(name), password);
  }
  return out;
}
