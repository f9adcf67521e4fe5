import { type CitadelMessage, fieldText } from "./message.ts";

/**
 * Citadel's EUID rule for a message arriving in a room: with no held message of that EUID
 * it is inserted; it replaces a held one that is not newer; it is dropped when the held one
 * is newer (an old copy arriving late must not undo an edit).
 */
export function euidDecision(
  incoming: { time: number },
  held: { msgnum: number; time: number } | undefined,
): "insert" | "replace" | "drop" {
  if (!held) return "insert";
  return incoming.time < held.time ? "drop" : "replace";
}

/** The message's EUID (field E), or undefined. */
export function messageEuid(msg: CitadelMessage): string | undefined {
  const e = fieldText(msg, "E");
  return e === undefined || e === "" ? undefined : e;
}

/** The message's time (field T) as a number; 0 when absent or not a number. */
export function messageTime(msg: CitadelMessage): number {
  const t = Number(fieldText(msg, "T") ?? "0");
  return Number.isFinite(t) ? Math.trunc(t) : 0;
}
