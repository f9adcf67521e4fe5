/**
 * Citadel keeps what a user has read in a room as an IMAP-style sequence set in the visit
 * record (`v_seen`): `1:40,44,50:60`, `*:5123` (everything up to 5123), or a bare number
 * (902's `v_lastseen` fallback, meaning everything up to it).
 */
export type SeenRanges = [number, number][];

/** Parses a seen set into sorted, merged [low, high] ranges. Junk parts are ignored. */
export function parseSeen(set: string): SeenRanges {
  const ranges: SeenRanges = [];
  for (const part of set.split(",")) {
    const p = part.trim();
    if (p === "") continue;
    const [a, b] = p.split(":");
    const lo = a === "*" ? 0 : Number(a);
    const hi = b === undefined
      ? (a === "*" ? Number.MAX_SAFE_INTEGER : lo)
      : b === "*"
      ? Number.MAX_SAFE_INTEGER
      : Number(b);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) continue;
    ranges.push(lo <= hi ? [lo, hi] : [hi, lo]);
  }
  // A bare number alone is v_lastseen: everything up to it.
  if (ranges.length === 1 && /^\d+$/.test(set.trim())) ranges[0] = [0, ranges[0][1]];
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: SeenRanges = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** True when message `n` is in the set. */
export function isSeen(ranges: SeenRanges, n: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (n < ranges[mid][0]) hi = mid - 1;
    else if (n > ranges[mid][1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Formats ranges back to Citadel's form (`1:40,44`). */
export function formatSeen(ranges: SeenRanges): string {
  return ranges.map(([a, b]) => (a === b ? String(a) : `${a === 0 ? "*" : a}:${b}`)).join(",");
}

/** Adds or removes one message number (SEEN n|1 / SEEN n|0). */
export function markSeen(set: string, n: number, seen: boolean): string {
  const ranges = parseSeen(set);
  if (seen) return formatSeen(parseSeen(formatSeen([...ranges, [n, n]])));
  const out: SeenRanges = [];
  for (const [a, b] of ranges) {
    if (n < a || n > b) out.push([a, b]);
    else {
      if (a <= n - 1) out.push([a, n - 1]);
      if (n + 1 <= b) out.push([n + 1, b]);
    }
  }
  return formatSeen(out);
}

/** SLRP's rewrite: everything up to `n` is seen, written as `*:n`. */
export function seenUpTo(n: number): string {
  return `*:${n}`;
}

/**
 * Citadel's CtdlSetSeen: marks `targets` seen (or not) and writes the set again from the
 * room's own message list `msgs` (ascending), as runs of messages that are next to each
 * other in the room: `53:56,79`. Numbers between messages are not claimed, and the `*` of
 * an SLRP set gives way to the room's first message.
 */
export function rebuildSeen(set: string, msgs: number[], targets: number[], on: boolean): string {
  const old = parseSeen(set);
  const want = new Set(targets);
  const runs: string[] = [];
  let first = -1;
  let last = -1;
  const close = () => {
    if (first >= 0) runs.push(first === last ? String(first) : `${first}:${last}`);
    first = last = -1;
  };
  for (const n of msgs) {
    const seen = want.has(n) ? on : isSeen(old, n);
    if (!seen) {
      close();
      continue;
    }
    if (first < 0) first = n;
    last = n;
  }
  close();
  return runs.join(",");
}
