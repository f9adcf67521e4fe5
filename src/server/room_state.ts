import { Code, CtdlError } from "../errors.ts";
import { FloorFlag, getFloor, getVisit, visitOp } from "../store/rooms.ts";
import type { Floor, Room, Visit } from "../store/tables.ts";
import type { Session } from "./session.ts";

/** Citadel's MAXFLOORS. */
export const MAX_FLOORS = 16;

/** The `*` after a reply code that tells a client instant messages are waiting. */
export function instantFlag(s: Session): string {
  return s.instantMessages.length > 0 ? "*" : " ";
}

/** A floor by number that is in use, or 561. */
export async function usableFloor(s: Session, num: number): Promise<Floor> {
  const floor = num >= 0 && num < MAX_FLOORS ? await getFloor(s.server.store, num) : null;
  if (!floor || (floor.flags & FloorFlag.INUSE) === 0) {
    throw new CtdlError(Code.INVALID_FLOOR_OPERATION, "Invalid floor number.");
  }
  return floor;
}

/**
 * Rewrites the user's visit of `room` (read-modify-write in one commit). An unchanged record
 * costs no commit, but still goes through the store, so single-user mode refuses it.
 */
export async function updateVisit(
  s: Session,
  room: Room,
  change: (v: Visit) => Visit,
): Promise<Visit> {
  const usernum = s.requireUser().usernum;
  let result: Visit | undefined;
  await s.server.store.update(async (r) => {
    result = change(await getVisit(r, room, usernum));
    return { ops: [visitOp(room, usernum, result)] };
  });
  return result!;
}
