/**
 * The EUID rule: one message per (room, EUID). Calendar events, vCards, notes and wiki pages
 * carry a stable id in field E, and saving a new version replaces the old message in that room.
 *
 * @module
 */

import { type CitadelMessage, fieldText } from "./message.ts";

/** What to do with an incoming message whose EUID a room may already hold. */
export type EuidDecision = "insert" | "replace" | "drop";

/**
 * Decides between inserting, replacing the held message, or dropping the incoming one.
 *
 * Citadel itself always lets the newest save win. A sync can deliver an old copy after a newer
 * edit, so the held message survives when the incoming one is strictly older (by field T); on
 * equal times the incoming one replaces it, as a re-save on a real server would.
 *
 * @example
 * ```ts
 * euidDecision({ time: 20 }, { msgnum: 7, time: 10 }); // "replace"
 * euidDecision({ time: 5 }, { msgnum: 7, time: 10 }); // "drop"
 * ```
 */
export function euidDecision(
  incoming: { time: number },
  held: { msgnum: number; time: number } | undefined,
): EuidDecision {
  if (held === undefined) return "insert";
  return incoming.time < held.time ? "drop" : "replace";
}

/**
 * The message's EUID (field E), or undefined when absent or empty; Citadel treats an empty E as
 * no EUID, so empty ids must not collide in the index.
 */
export function messageEuid(msg: CitadelMessage): string | undefined {
  const euid = fieldText(msg, "E");
  return euid === undefined || euid === "" ? undefined : euid;
}

/**
 * The message's time (field T, unix seconds), or 0 when absent or not a number.
 *
 * Parsed like C's atol(), which is how Citadel reads it: leading digits count, trailing junk is
 * ignored.
 */
export function messageTime(msg: CitadelMessage): number {
  const time = Number.parseInt(fieldText(msg, "T") ?? "", 10);
  return Number.isNaN(time) ? 0 : time;
}
