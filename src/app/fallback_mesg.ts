/**
 * System messages over the client protocol of a server without SYNC: `MESG ?` and `MESG name`
 * to read them (as the session's user, or logged out after `LOUT`), the macro values that
 * reading used, and the comparison of stored raw texts with what `MESG` shows, for `verify`
 * and `push`.
 *
 * @module
 */

import type { CitadelClient, Reply } from "../client/connection.ts";
import { log } from "../log.ts";
import { readAllConfig } from "../store/control.ts";
import type { Store } from "../store/store.ts";
import { getSystemMessage, listSystemMessages } from "../store/system_messages.ts";
import { CITADEL_MACROS, expandCitadel } from "../store/system_messages.ts";
import type { MacroValues } from "./fallback_macros.ts";

/** What `MESG` showed: the names `MESG ?` listed, and each readable text. */
export interface Shown {
  names: string[];
  texts: Map<string, string>;
}

/** The names `MESG ?` lists (902 puts a space before each), or null where it is refused. */
export async function listShown(client: CitadelClient): Promise<string[] | null> {
  const r = await client.command("MESG ?");
  if (Math.floor(r.code / 100) !== 1) {
    log.info(`MESG ? answered ${r.line}`);
    return null;
  }
  return (await client.readListing()).map((l) => l.trim()).filter((n) => n !== "");
}

/** Reads `names` with pipelined `MESG name`; a name the server refuses is left out. */
export async function readShown(client: CitadelClient, names: string[]): Promise<Shown> {
  for (const name of names) await client.out.writeLine(`MESG ${name}`);
  await client.out.flush();
  const texts = new Map<string, string>();
  for (const name of names) {
    const reply = await client.readReply();
    if (Math.floor(reply.code / 100) !== 1) {
      log.info(`MESG ${name} answered ${reply.line}`);
      continue;
    }
    texts.set(name, (await client.readListing()).map((l) => l + "\n").join(""));
  }
  return { names, texts };
}

/**
 * The texts as the logged-in user sees them and, after `LOUT` on the same connection, as
 * they read logged out (null where that reading failed). The session is logged out after.
 */
export async function readBothWays(
  client: CitadelClient,
  names: string[],
): Promise<{ user: Shown; anon: Shown | null }> {
  const user = await readShown(client, names);
  const out = await client.command("LOUT");
  if (Math.floor(out.code / 100) !== 2) {
    log.info(`LOUT answered ${out.line}; banners are read only as the logged-in user`);
    return { user, anon: null };
  }
  return { user, anon: await readShown(client, names) };
}

/**
 * The macro values a session's `MESG` uses: the user's name and number from the PASS reply
 * (`200 name|axlevel|calls|posts|flags|usernum|...`), the node values from `store`'s config.
 * `^variantname` and `^bbsdir` are the server's own and not known here.
 */
export async function macroValuesFor(store: Store, login: Reply): Promise<MacroValues> {
  const fields = login.text.split("|");
  const config = await readAllConfig(store);
  return {
    nodename: config.get("c_nodename") ?? "",
    humannode: config.get("c_humannode") ?? "",
    fqdn: config.get("c_fqdn") ?? "",
    username: fields[0] ?? "",
    usernum: fields[5] ?? "",
    sysadm: config.get("c_sysadm") ?? "",
    maxsessions: config.get("c_maxsessions") ?? "0",
  };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * True when `shown` is what `raw` reads as with `values`; macros without a known value
 * (`^variantname`, `^bbsdir`) match any text.
 */
export function showsAs(raw: string, values: MacroValues, shown: string): boolean {
  const unknown = CITADEL_MACROS.filter((m) => values[m] === undefined);
  if (unknown.length === 0) return expandCitadel(raw, values) === shown;
  const marks = Object.fromEntries(unknown.map((m) => [m, `\uE000${m}\uE000`]));
  const expanded = expandCitadel(raw, { ...values, ...marks });
  const pattern = expanded.split(/\uE000[a-z]+\uE000/).map(escapeRe).join("[^\\n]*?");
  return new RegExp(`^${pattern}$`).test(shown);
}

/**
 * Compares the store's system messages with what the server's `MESG` shows, as the user and
 * logged out; with `serverExtras`, a message only the server lists is a difference too.
 * Returns one line per difference. Logs the session out.
 */
export async function compareSystemMessages(
  store: Store,
  client: CitadelClient,
  values: MacroValues,
  serverExtras = true,
): Promise<string[]> {
  const local = await listSystemMessages(store);
  const listed = serverExtras ? await listShown(client) ?? [] : [];
  const names = [...new Set([...local, ...listed])].sort();
  const { user, anon } = await readBothWays(client, names);
  const anonValues = { ...values, username: "", usernum: "0" };
  const out: string[] = [];
  for (const name of names) {
    const raw = await getSystemMessage(store, name);
    const shown = user.texts.get(name);
    if (raw === null) out.push(`system message ${name}: only on the server`);
    else if (shown === undefined) out.push(`system message ${name}: not on the server`);
    else if (!showsAs(raw, values, shown)) {
      out.push(`system message ${name}: the server shows other text`);
    } else if (anon && anon.texts.has(name) && !showsAs(raw, anonValues, anon.texts.get(name)!)) {
      out.push(`system message ${name}: the server shows other text when logged out`);
    }
  }
  return out;
}
