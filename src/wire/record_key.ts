/**
 * Record keys as the sync protocol carries them: a key is a non-empty array of strings and
 * safe integers, and its canonical bytes are its JSON text in UTF-8. Both ends of a pull
 * and the store use these bytes for hashing, so they are part of the protocol
 * (docs/protocol.md, "Known answers").
 */

/** One part of a record key: a string (names) or a safe integer (numbers). */
export type KeyPart = string | number;

const encoder = new TextEncoder();

/** Canonical bytes of a record key: its JSON text. */
export function encodeKey(key: readonly KeyPart[]): Uint8Array {
  return encoder.encode(JSON.stringify(key));
}

/** Parses a key's canonical bytes back; throws on anything that is not a key. */
export function decodeKey(bytes: Uint8Array): KeyPart[] {
  return readKey(bytes).key;
}

// ignoreBOM keeps a leading BOM in the text, so such a key is never taken for canonical.
const strictText = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Parses a key's bytes; `canonical` tells whether they are exactly `encodeKey(key)`, so
 * they can stand for it (in hashes, in the store) without being encoded again. Throws on
 * anything that is not a key.
 */
export function readKey(bytes: Uint8Array): { key: KeyPart[]; text: string; canonical: boolean } {
  let text: string;
  let parsed: unknown;
  try {
    text = strictText.decode(bytes);
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    throw new Error("key is not valid JSON text");
  }
  const problem = keyShapeProblem(parsed);
  if (problem) throw new Error(problem);
  const key = parsed as KeyPart[];
  return { key, text, canonical: JSON.stringify(key) === text };
}

/** Why `x` is not a key (a non-empty array of strings and safe integers), or null. */
export function keyShapeProblem(x: unknown): string | null {
  if (!Array.isArray(x) || x.length === 0) return "key is not a non-empty array";
  for (const part of x) {
    if (typeof part === "string") continue;
    if (typeof part === "number" && Number.isSafeInteger(part)) continue;
    return `key part ${describePart(part)} is not a string or safe integer`;
  }
  return null;
}

/** A key part of any type as text, for messages about damaged data (never throws). */
export function describePart(part: unknown): string {
  if (typeof part === "bigint") return `${part}n`;
  if (part instanceof Uint8Array) return `bytes ${part.toHex()}`;
  try {
    return JSON.stringify(part) ?? String(part);
  } catch {
    return String(part);
  }
}

/** A key of any shape as text (`["a",1]`), for messages about damaged data. */
export function describeKey(key: readonly unknown[]): string {
  return `[${key.map(describePart).join(",")}]`;
}

const utf8 = new TextEncoder();

/**
 * Orders two keys of one table as KV lists them: numbers by value, strings by their UTF-8
 * bytes, strings before numbers, a key before its extensions.
 */
export function compareKeys(a: readonly KeyPart[], b: readonly KeyPart[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x < y ? -1 : 1;
    if (typeof x !== typeof y) return typeof x === "string" ? -1 : 1;
    const ex = utf8.encode(x as string);
    const ey = utf8.encode(y as string);
    for (let j = 0; j < Math.min(ex.length, ey.length); j++) {
      if (ex[j] !== ey[j]) return ex[j] - ey[j];
    }
    return ex.length - ey.length;
  }
  return a.length - b.length;
}

/** True when two keys have the same parts. */
export function sameKey(a: readonly KeyPart[], b: readonly KeyPart[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}
