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

/**
 * Replaces `^name` macros as Citadel's MESG does. On a binary string, the values must be
 * binary strings too (`utf8ToBinary`).
 */
export function expandMacros(text: string, values: Record<string, string>): string {
  return text.replace(/\^([a-z]+)/g, (m, name: string) => values[name] ?? m);
}
