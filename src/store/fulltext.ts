import { toBinaryString } from "../message/binary_string.ts";
import { fieldBytes, parseMessage } from "../message/message.ts";
import type { Store } from "./store.ts";

/**
 * The full-text index behind SRCH and `MSGS SEARCH`: word to message numbers.
 *
 * It is kept in memory per store and brought up to date from the store's change log of the
 * `messages` table before every search, so every write path counts: ENT0, DELE, KILL, MOVE,
 * a sync pull, a MIGR import. (902 builds its index once per start, before an import, and
 * then finds nothing; see docs/interop.md.)
 */
export interface FullTextIndex {
  /** The change stamp the index has seen up to. */
  stamp: number;
  /** Word (lower case) to the messages that hold it. */
  words: Map<string, Set<number>>;
  /** Message to its words, so a deletion or replacement can be taken out. */
  byMessage: Map<number, string[]>;
}

const indexes = new WeakMap<Store, FullTextIndex>();

/**
 * Citadel's wordbreaker, in spirit: runs of letters and digits, lower-cased; bytes above
 * 127 count as letters, so UTF-8 words stay whole. Words shorter than 2 are noise.
 */
export function breakWords(text: string): string[] {
  const words = new Set<string>();
  for (const m of text.toLowerCase().matchAll(/[a-z0-9\x80-\xff]+/g)) {
    if (m[0].length >= 2) words.add(m[0]);
  }
  return [...words];
}

function remove(index: FullTextIndex, msgnum: number): void {
  for (const w of index.byMessage.get(msgnum) ?? []) {
    const set = index.words.get(w);
    set?.delete(msgnum);
    if (set?.size === 0) index.words.delete(w);
  }
  index.byMessage.delete(msgnum);
}

function add(index: FullTextIndex, msgnum: number, bytes: Uint8Array): void {
  let text = "";
  try {
    const msg = parseMessage(bytes);
    text = toBinaryString(fieldBytes(msg, "M") ?? new Uint8Array());
  } catch {
    // A damaged message is not searchable; it stays stored as it is.
  }
  const words = breakWords(text);
  index.byMessage.set(msgnum, words);
  for (const w of words) {
    let set = index.words.get(w);
    if (!set) index.words.set(w, set = new Set());
    set.add(msgnum);
  }
}

/** The store's index, caught up with every message written or deleted since last time. */
export async function fullTextIndex(store: Store): Promise<FullTextIndex> {
  let index = indexes.get(store);
  if (!index) {
    index = { stamp: 0, words: new Map(), byMessage: new Map() };
    indexes.set(store, index);
  }
  for await (const change of store.changes("messages", index.stamp)) {
    const msgnum = change.key[0] as number;
    remove(index, msgnum);
    if (change.value) add(index, msgnum, change.value);
    index.stamp = Math.max(index.stamp, change.stamp);
  }
  return index;
}

/** The messages that hold every word of `query` (Citadel's "match all search words"). */
export async function searchMessages(store: Store, query: string): Promise<number[]> {
  const index = await fullTextIndex(store);
  const words = breakWords(query);
  if (words.length === 0) return [];
  const sets = words.map((w) => index.words.get(w) ?? new Set<number>());
  const hits = [...sets[0]].filter((n) => sets.every((set) => set.has(n)));
  return hits.sort((a, b) => a - b);
}
