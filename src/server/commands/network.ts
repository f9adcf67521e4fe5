import { roomAideRoom } from "../access.ts";
import type { CommandTable } from "../command.ts";

/**
 * GNET: a room's network configuration (mailing lists, shared rooms). ctdlsync networks no
 * room with other nodes, so every room's configuration is empty, as a fresh 902's is.
 */
export const networkCommands: CommandTable = {
  GNET: {
    access: "user",
    async run(s) {
      const room = await roomAideRoom(s);
      await s.listing(`Network settings for room #${room.number} <${room.name}>`, []);
    },
  },
};
