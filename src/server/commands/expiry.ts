import { Code, CtdlError } from "../../errors.ts";
import { configOp, readConfig } from "../../store/control.ts";
import { floorOp, getFloor, getRoom, roomOp } from "../../store/rooms.ts";
import { AxLevel } from "../../store/users.ts";
import { atol } from "../args.ts";
import { currentRoom, isRoomAide } from "../access.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/** GPEX/SPEX's scopes and the config keys of the two site-wide ones. */
const SITE_KEYS: Record<string, [string, string]> = {
  site: ["c_ep_mode", "c_ep_value"],
  mailboxes: ["c_mbxep_mode", "c_mbxep_value"],
};

function refuse(): never {
  throw new CtdlError(Code.HIGHER_ACCESS_REQUIRED, "Higher access required.");
}

async function setPolicy(s: Session, scope: string, mode: number, value: number) {
  const store = s.server.store;
  const user = s.requireUser();
  const room = await currentRoom(s);
  if (scope === "room") {
    if (!isRoomAide(user, room)) refuse();
    await store.update(async (r) => {
      const fresh = await getRoom(r, room.name);
      return { ops: fresh ? [roomOp({ ...fresh, ep_mode: mode, ep_value: value })] : [] };
    });
    return `Room expire policy for '${room.name}' has been updated.`;
  }
  if (user.axlevel < AxLevel.AIDE) refuse();
  if (scope === "floor") {
    await store.update(async (r) => {
      const f = await getFloor(r, room.floor);
      return { ops: f ? [floorOp(room.floor, { ...f, ep_mode: mode, ep_value: value })] : [] };
    });
    return "Floor expire policy has been updated.";
  }
  const [m, v] = SITE_KEYS[scope];
  await store.write([configOp(m, String(mode)), configOp(v, String(value))]);
  return scope === "site"
    ? "Site expire policy has been updated."
    : "Default expire policy for mailboxes set.";
}

/** Expiry policies: GPEX and SPEX for the room, its floor, mailboxes and the site. */
export const expiryCommands: CommandTable = {
  GPEX: {
    access: "user",
    async run(s, args) {
      const scope = (args[0] ?? "").toLowerCase();
      const store = s.server.store;
      let policy: [number, number];
      if (scope === "room") {
        const room = await currentRoom(s);
        policy = [room.ep_mode, room.ep_value];
      } else if (scope === "floor") {
        const f = await getFloor(store, (await currentRoom(s)).floor);
        policy = [f?.ep_mode ?? 0, f?.ep_value ?? 0];
      } else if (SITE_KEYS[scope]) {
        const [m, v] = SITE_KEYS[scope];
        policy = [atol(await readConfig(store, m)), atol(await readConfig(store, v))];
      } else {
        throw new CtdlError(Code.ILLEGAL_VALUE, "Invalid keyword.");
      }
      await s.reply(`${Code.OK} ${policy.join("|")}`);
    },
  },
  SPEX: {
    access: "user",
    async run(s, args) {
      const scope = (args[0] ?? "").toLowerCase();
      if (scope !== "room" && scope !== "floor" && !SITE_KEYS[scope]) {
        throw new CtdlError(Code.ILLEGAL_VALUE, "Invalid keyword.");
      }
      const said = await setPolicy(s, scope, atol(args[1]), atol(args[2]));
      await s.reply(`${Code.OK} ${said}`);
    },
  },
};
