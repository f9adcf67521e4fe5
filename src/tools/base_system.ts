import { configOp, counterOp } from "../store/control.ts";
import { floorOp, newRoomRecord, RoomFlag, RoomFlag2, roomOp } from "../store/rooms.ts";
import type { Op } from "../store/store.ts";
import { systemMessageOp } from "../store/system_messages.ts";
import type { Room } from "../store/tables.ts";

/** Site settings of a new system, as Citadel's setup leaves them. */
export function baseConfigOps(
  node: { nodename: string; humannode: string; fqdn: string; sysadm: string },
): Op[] {
  return [
    configOp("c_nodename", node.nodename),
    configOp("c_humannode", node.humannode),
    configOp("c_fqdn", node.fqdn),
    configOp("c_sysadm", node.sysadm),
    configOp("c_site_location", "Loopback, Internet"),
    configOp("c_baseroom", "Lobby"),
    configOp("c_aideroom", "Aide"),
    configOp("c_twitroom", "Trashcan"),
    configOp("c_moreprompt", "<more>"),
    configOp("c_maxsessions", "0"),
    configOp("c_sleeping", "900"),
    configOp("c_initax", "4"),
    configOp("c_createax", "3"),
    configOp("c_disable_newu", "0"),
    configOp("c_default_cal_zone", "UTC"),
  ];
}

/** The rooms Citadel creates at start-up; returns them and the number they used up. */
export function baseRooms(now: number): Room[] {
  const base = { gen: now, mtime: now };
  return [
    newRoomRecord({
      ...base,
      name: "Lobby",
      number: 1,
      order: 0,
      flags: RoomFlag.INUSE | RoomFlag.PERMANENT,
    }),
    newRoomRecord({
      ...base,
      name: "Aide",
      number: 2,
      order: 0,
      flags: RoomFlag.INUSE | RoomFlag.PERMANENT | RoomFlag.PRIVATE,
      flags2: RoomFlag2.SMTP_PUBLIC,
    }),
    newRoomRecord({
      ...base,
      name: "Local System Configuration",
      number: 3,
      flags: RoomFlag.INUSE | RoomFlag.PERMANENT | RoomFlag.PRIVATE,
      flags2: RoomFlag2.SYSTEM,
    }),
    newRoomRecord({
      ...base,
      name: "Trashcan",
      number: 4,
      flags: RoomFlag.INUSE | RoomFlag.PERMANENT,
    }),
  ];
}

/** Floors, base rooms, stock system messages and counters of a new system. */
export function baseSystemOps(now: number, floors: string[], greeting: string): Op[] {
  const rooms = baseRooms(now);
  const ops: Op[] = floors.map((name, i) =>
    floorOp(i, { flags: 1, name, refcount: i === 0 ? rooms.length : 0, ep_mode: 0, ep_value: 0 })
  );
  ops.push(...rooms.map(roomOp), counterOp("MMnextroom", rooms.length));
  ops.push(
    systemMessageOp("hello", `${greeting}\n Welcome to ^humannode!\n`),
    systemMessageOp(
      "goodbye",
      " Thanks for calling ^humannode, ^username. Please come back soon.\n",
    ),
    systemMessageOp("newuser", " Welcome, new user! Please read the rules in the Lobby.\n"),
    systemMessageOp("register", " Please enter your real name and address.\n"),
    systemMessageOp("changepw", " Choose a password you do not use anywhere else.\n"),
    systemMessageOp("roomaccess", " This room is private; ask its room aide for an invitation.\n"),
  );
  return ops;
}
