import { inlineEntry, readEntry } from "../../src/store/entry.ts";

/**
 * Damages a stored record the way a bad disk or a stray tool would: swaps its value bytes
 * and keeps the rest of its entry (stamp, log row, hash), straight through Deno KV.
 */
export async function replaceValue(kv: Deno.Kv, key: Deno.KvKey, value: Uint8Array) {
  const e = readEntry((await kv.get(key)).value);
  await kv.set(key, inlineEntry(e.s, e.g, e.h, value));
}
