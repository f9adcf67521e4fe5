import { toBinaryString } from "../message/binary_string.ts";
import type { Op, Store } from "./store.ts";

/**
 * System messages: the texts Citadel keeps as files in `messages/` (hello, goodbye,
 * newuser, register, changepw, roomaccess ...), stored raw with their `^` macros so a
 * duplicate shows them exactly as the source does.
 */
export const STANDARD_SYSTEM_MESSAGES = [
  "hello",
  "goodbye",
  "newuser",
  "register",
  "changepw",
  "roomaccess",
  "unlisted",
  "help",
  "mainmenu",
  "entermsg",
  "aideopt",
  "readopt",
  "entopt",
  "dotopt",
] as const;

const encoder = new TextEncoder();

/** The op that sets a system message's raw text. */
export function systemMessageOp(name: string, text: string | Uint8Array): Op {
  return {
    table: "sysmsgs",
    key: [name],
    value: typeof text === "string" ? encoder.encode(text) : text,
  };
}

/**
 * A system message's raw text as a binary string (one char per stored byte, so a banner in
 * Latin-1 stays Latin-1), or null. Names are case-sensitive, as in Citadel.
 */
export async function getSystemMessage(store: Store, name: string): Promise<string | null> {
  const bytes = await store.get("sysmsgs", [name]);
  return bytes ? toBinaryString(bytes) : null;
}

/** The names of all stored system messages. */
export async function listSystemMessages(store: Store): Promise<string[]> {
  const out: string[] = [];
  for await (const key of store.keys("sysmsgs")) out.push(key[0] as string);
  return out;
}

/** The macros in the order Citadel substitutes them. */
export const CITADEL_MACROS = [
  "nodename",
  "humannode",
  "fqdn",
  "username",
  "usernum",
  "sysadm",
  "variantname",
  "maxsessions",
  "bbsdir",
] as const;

/**
 * Expands `raw` as Citadel's MESG does (`do_help_subst`): each macro in turn, every
 * occurrence, matched without regard to case, line by line. On a binary string the values
 * must be binary strings too (`utf8ToBinary`).
 */
export function expandCitadel(raw: string, values: Record<string, string>): string {
  return raw.split("\n").map((line) => {
    for (const name of CITADEL_MACROS) {
      const value = values[name];
      if (value === undefined) continue;
      const macro = `^${name}`;
      let at = 0;
      while ((at = line.toLowerCase().indexOf(macro, at)) >= 0) {
        line = line.slice(0, at) + value + line.slice(at + macro.length);
        at += value.length;
      }
    }
    return line;
  }).join("\n");
}
