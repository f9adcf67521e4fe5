import { Code, CtdlError } from "../../errors.ts";
import { FloorFlag, floorOp, getFloor, listFloors } from "../../store/rooms.ts";
import { intOr } from "../args.ts";
import { MAX_FLOORS } from "../room_state.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/** CFLR name|ok: a new floor in the first free slot. */
async function createFloor(s: Session, args: string[]): Promise<void> {
  const name = (args[0] ?? "").trim();
  const ok = intOr(args[1], 0);
  if (name === "") throw new CtdlError(Code.ILLEGAL_VALUE, "Blank floor name not allowed.");
  if (name.includes("|")) throw new CtdlError(Code.ILLEGAL_VALUE, "Invalid floor name.");
  let slot = -1;
  await s.server.store.update(async (r) => {
    slot = -1;
    for (let n = 0; n < MAX_FLOORS; n++) {
      const f = await getFloor(r, n);
      const inUse = f !== null && (f.flags & FloorFlag.INUSE) !== 0;
      if (!inUse && slot < 0) slot = n;
      if (inUse && f.name.toLowerCase() === name.toLowerCase()) {
        throw new CtdlError(Code.ALREADY_EXISTS, `Floor '${f.name}' already exists.`);
      }
    }
    if (slot < 0) {
      throw new CtdlError(
        Code.INVALID_FLOOR_OPERATION,
        "There is no space available for a new floor.",
      );
    }
    if (ok === 0) return { ops: [] };
    return {
      ops: [floorOp(slot, { flags: FloorFlag.INUSE, name, refcount: 0, ep_mode: 0, ep_value: 0 })],
    };
  });
  await s.reply(ok === 0 ? "200 ok to create..." : `200 ${slot}`);
}

/** KFLR num|ok: deletes an empty floor (marks it not in use). */
async function killFloor(s: Session, args: string[]): Promise<void> {
  const num = intOr(args[0], -1);
  const ok = intOr(args[1], 0);
  await s.server.store.update(async (r) => {
    const floor = num >= 0 && num < MAX_FLOORS ? await getFloor(r, num) : null;
    if (!floor || (floor.flags & FloorFlag.INUSE) === 0) {
      throw new CtdlError(Code.INVALID_FLOOR_OPERATION, `Floor ${num} not in use.`);
    }
    if (floor.refcount !== 0) {
      throw new CtdlError(
        Code.INVALID_FLOOR_OPERATION,
        `Cannot delete; floor contains ${floor.refcount} rooms.`,
      );
    }
    return { ops: ok === 1 ? [floorOp(num, { ...floor, flags: 0 })] : [] };
  });
  await s.reply(ok === 1 ? "200 Ok" : "200 Ok to delete...");
}

/** EFLR num|name: renames a floor. */
async function editFloor(s: Session, args: string[]): Promise<void> {
  if (args.length < 1 || args[0].trim() === "") {
    throw new CtdlError(Code.ILLEGAL_VALUE, "Usage error.");
  }
  const num = intOr(args[0], -1);
  const name = args.length >= 2 ? args[1].trim() : null;
  if (name === "") throw new CtdlError(Code.ILLEGAL_VALUE, "Blank floor name not allowed.");
  await s.server.store.update(async (r) => {
    const floor = num >= 0 && num < MAX_FLOORS ? await getFloor(r, num) : null;
    if (!floor || (floor.flags & FloorFlag.INUSE) === 0) {
      throw new CtdlError(Code.INVALID_FLOOR_OPERATION, `Floor ${num} is not in use.`);
    }
    return { ops: name === null ? [] : [floorOp(num, { ...floor, name })] };
  });
  await s.reply(`${Code.OK} Ok`);
}

/** Floors: LFLR, CFLR, KFLR, EFLR. */
export const floorCommands: CommandTable = {
  LFLR: {
    access: "user",
    async run(s) {
      const floors = new Map(await listFloors(s.server.store));
      if (!floors.has(0)) floors.set(0, (await getFloor(s.server.store, 0))!);
      const lines = [...floors.entries()]
        .filter(([n, f]) => n < MAX_FLOORS && (f.flags & FloorFlag.INUSE) !== 0)
        .sort(([a], [b]) => a - b)
        // Exactly three fields: Net::Citadel matches them with a greedy (.+)\|(.+)\|(.+).
        .map(([n, f]) => `${n}|${f.name}|${f.refcount}`);
      await s.listing("Known floors:", lines);
    },
  },
  CFLR: { access: "aide", run: createFloor },
  KFLR: { access: "aide", run: killFloor },
  EFLR: { access: "aide", run: editFloor },
};
