/** Joins byte arrays into one (the one copy of this in the code base). */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * The unread rest of `buf` (from `pos` on) followed by `chunk`: what a reader that keeps a
 * buffer and a read position holds after taking in the next chunk. When nothing is left
 * unread, `chunk` itself (no copy).
 */
export function appendToRest(buf: Uint8Array, pos: number, chunk: Uint8Array): Uint8Array {
  return pos >= buf.length ? chunk : concat([buf.subarray(pos), chunk]);
}
