import { Code, CtdlError } from "../../errors.ts";
import { toBinaryString } from "../../message/binary_string.ts";
import { type CitadelMessage, fieldBytes } from "../../message/message.ts";
import { fieldForMnemonic } from "../../message/mnemonics.ts";
import { getMessage } from "../../store/messages.ts";
import { readConfig } from "../../store/control.ts";
import { searchMessages } from "../../store/fulltext.ts";
import { listRooms, roomMessages } from "../../store/rooms.ts";
import { isSeen, parseSeen } from "../../store/seen_set.ts";
import { UserFlag } from "../../store/users.ts";
import { atol } from "../args.ts";
import { currentRoom, roomAccess, UA } from "../access.ts";
import { rawField } from "../message_access.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/** Citadel's CtdlMsgCmp: every template field must equal the message's (case-insensitive). */
function matchesTemplate(msg: CitadelMessage, template: Map<string, string>): boolean {
  const fold = (v: string) => v.replace(/[A-Z]/g, (c) => c.toLowerCase());
  for (const [type, want] of template) {
    const have = fieldBytes(msg, type);
    if (have === undefined) {
      if (want !== "") return false;
    } else if (fold(toBinaryString(have)) !== fold(want)) {
      return false;
    }
  }
  return true;
}

const MSGS_MODES = ["OLD", "NEW", "FIRST", "LAST", "GT", "LT", "SEARCH"] as const;

/** Citadel's CtdlForEachMessage: which messages of the room a MSGS mode selects. */
function selectMessages(
  nums: number[],
  mode: string,
  ref: number,
  seen: string,
  lastOld: boolean,
): number[] {
  const ranges = parseSeen(seen);
  const out: number[] = [];
  let lastold = 0;
  let printedLastold = false;
  nums.forEach((n, a) => {
    const isSeenMsg = mode === "ALL" ? false : isSeen(ranges, n);
    if (isSeenMsg) lastold = n;
    const selected = mode === "ALL" ||
      (mode === "OLD" && isSeenMsg) ||
      (mode === "NEW" && !isSeenMsg) ||
      (mode === "LAST" && a >= nums.length - ref) ||
      (mode === "FIRST" && a < ref) ||
      (mode === "GT" && n > ref) ||
      (mode === "LT" && n < ref);
    if (!selected) return;
    // US_LASTOLD: "new" also shows the last message already read, for context.
    if (mode === "NEW" && lastOld && lastold > 0 && !printedLastold && !isSeenMsg) {
      out.push(lastold);
      printedLastold = true;
    }
    out.push(n);
  });
  return out;
}

/** The lines MSGS sends for the selected messages in the listing mode asked for. */
async function msgsLines(s: Session, nums: number[], format: number): Promise<string[]> {
  if (format !== 1 && format !== 4) return nums.map(String);
  const out: string[] = [];
  for (const n of nums) {
    const msg = await getMessage(s.server.store, n);
    if (format === 1) {
      if (!msg) {
        out.push(`${n}|0|||||`);
        continue;
      }
      // The listing is |-separated and Citadel does not escape: a | in a subject becomes -.
      const f = (t: string) => rawField(msg, t).replace(/\|/g, "-");
      out.push(`${n}|${f("T") || "0"}|${f("A")}|${f("N")}|${f("F")}|${f("U")}|`);
    } else {
      out.push(msg ? `${n}|${rawField(msg, "E")}|${rawField(msg, "T") || "0"}` : `${n}||`);
    }
  }
  return out;
}

/** 530 unless the site has full-text search on (c_enable_fulltext). */
async function requireFullText(s: Session): Promise<void> {
  if ((await readConfig(s.server.store, "c_enable_fulltext", "0")) !== "1") {
    throw new CtdlError(Code.CMD_NOT_SUPPORTED, "Full text index is not enabled on this server.");
  }
}

/** Message lists: MSGS in every mode, and SRCH. */
export const messageListCommands: CommandTable = {
  SRCH: {
    access: "user",
    async run(s, _args, raw) {
      await requireFullText(s);
      const store = s.server.store;
      const user = s.requireUser();
      const hits = new Set(await searchMessages(store, raw));
      const aideRoom = await readConfig(store, "c_aideroom", "Aide");
      // Only messages in rooms the user may enter are found.
      const found = new Set<number>();
      for await (const room of listRooms(store)) {
        const { ua } = await roomAccess(store, user, room, aideRoom);
        if (!(ua & UA.GOTOALLOWED)) continue;
        for (const n of await roomMessages(store, room.number)) if (hits.has(n)) found.add(n);
      }
      const nums = [...found].sort((a, b) => a - b);
      await s.listing(`${nums.length} msgs match all search words:`, nums.map(String));
    },
  },
  MSGS: {
    access: "user",
    async run(s, args) {
      const user = s.requireUser();
      const room = await currentRoom(s);
      const word = (args[0] ?? "").toUpperCase();
      const mode = MSGS_MODES.find((m) => word.startsWith(m)) ?? "ALL";
      const store = s.server.store;
      let hits: Set<number> | null = null;
      if (mode === "SEARCH") {
        await requireFullText(s);
        hits = new Set(await searchMessages(store, args[1] ?? ""));
      }
      const ref = mode === "SEARCH" ? 0 : atol(args[1]);
      const withTemplate = atol(args[2]) !== 0;
      const format = atol(args[3]);
      let template: Map<string, string> | null = null;
      if (withTemplate) {
        await s.reply(`${Code.START_CHAT_MODE} Send template then receive message list`);
        template = new Map();
        for (const line of await s.readText({ maxBytes: 64 * 1024, binary: true })) {
          const [name, value = ""] = line.split("|");
          const type = fieldForMnemonic(name.toLowerCase());
          if (type && type >= "A" && type <= "Z") template.set(type, value);
        }
      }
      let nums = await roomMessages(store, room.number);
      if (hits) {
        const found = hits;
        nums = nums.filter((n) => found.has(n));
      }
      if (template && template.size > 0) {
        const kept: number[] = [];
        for (const n of nums) {
          const msg = await getMessage(s.server.store, n);
          if (!msg || matchesTemplate(msg, template)) kept.push(n);
        }
        nums = kept;
      }
      const { visit } = await roomAccess(s.server.store, user, room);
      const chosen = hits ? nums : selectMessages(
        nums,
        mode,
        ref,
        visit.seen,
        (user.flags & UserFlag.LASTOLD) !== 0,
      );
      const lines = await msgsLines(s, chosen, format);
      if (template) {
        // After 800 the client reads a bare list: no second result line.
        await s.listingBody(lines, true);
      } else {
        // Citadel's header is "100" and two spaces.
        await s.binaryListing(" ", lines);
      }
    },
  },
};
