import { CtdlError } from "../../errors.ts";
import { log } from "../../log.ts";
import { toBinaryString } from "../../message/binary_string.ts";
import { embeddedMessage } from "../../message/embedded.ts";
import { type CitadelMessage, fieldBytes } from "../../message/message.ts";
import { mimeParts } from "../../message/mime.ts";
import { fieldForMnemonic } from "../../message/mnemonics.ts";
import { renderMsg0, renderMsg2, renderMsg4 } from "../../message/render.ts";
import { readConfig } from "../../store/control.ts";
import { deleteFromRoom, getMessage } from "../../store/messages.ts";
import {
  createRoom,
  getRoom,
  mailboxName,
  RoomFlag,
  RoomFlag2,
  roomMessages,
  View,
} from "../../store/rooms.ts";
import { isSeen, parseSeen } from "../../store/seen_set.ts";
import { type Room, TABLES, type User } from "../../store/tables.ts";
import { AxLevel, getUser, UserFlag } from "../../store/users.ts";
import { currentRoom, mailboxOwner, roomAccess, UA } from "../access.ts";
import { getMailbox } from "../mailbox.ts";
import type { CommandTable, Session } from "../session.ts";
import { postLocalMessage } from "./_post_message.ts";

/** Citadel's default c_maxmsglen: longer message texts are cut (the rest is read and dropped). */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** Longest body line ENT0 accepts; longer lines are read to their end and dropped. */
const MAX_BODY_LINE = 1 << 20;

/** C's atol/atoi: leading digits (with sign) count, anything else is 0. */
function atol(v: string | undefined): number {
  const n = Number.parseInt((v ?? "").trim(), 10);
  return Number.isNaN(n) ? 0 : n;
}

/** Sends `<code> <header>`, the lines as stored bytes (binary strings), and `000`. */
export async function sendBinaryListing(
  s: Session,
  header: string,
  lines: Iterable<string>,
  code = 100,
): Promise<void> {
  await s.reply(`${code} ${header}`);
  await s.listingBody(lines, true);
}

/** The longest message body a client may enter: `c_maxmsglen` when set, within our own cap. */
async function maxMessageBytes(s: Session): Promise<number> {
  const n = Number.parseInt(await readConfig(s.server.store, "c_maxmsglen", "0"), 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, MAX_MESSAGE_BYTES) : MAX_MESSAGE_BYTES;
}

/**
 * Reads client lines up to `000` (or the end of the connection). Like Citadel, text past
 * the limit is read and dropped so the client stays in step.
 */
function readClientLines(s: Session, maxBytes = MAX_MESSAGE_BYTES): Promise<string[]> {
  return s.readText({ maxBytes, maxLineBytes: MAX_BODY_LINE });
}

/** The reader may see who wrote anonymous messages: an Aide or the room's aide. */
function isRoomAide(user: User, room: Room): boolean {
  return user.axlevel >= AxLevel.AIDE || user.usernum === room.roomaide;
}

/** A message of the current room; 550 when it is not in the room, as Citadel answers. */
export async function messageInRoom(
  s: Session,
  msgnum: number,
): Promise<{ room: Room; msg: CitadelMessage }> {
  const room = await currentRoom(s);
  const store = s.server.store;
  if (msgnum <= 0 || !await store.get("msglists", [room.number, msgnum])) {
    throw new CtdlError(550, `message ${msgnum} was not found in this room`);
  }
  const msg = await getMessage(store, msgnum);
  if (!msg) throw new CtdlError(575, `Can't locate msg ${msgnum} on disk`);
  return { room, msg };
}

/** A field as stored (binary string), "" when absent. */
function raw(msg: CitadelMessage, type: string): string {
  const b = fieldBytes(msg, type);
  return b ? toBinaryString(b) : "";
}

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
      const f = (t: string) => raw(msg, t).replace(/\|/g, "-");
      out.push(`${n}|${f("T") || "0"}|${f("A")}|${f("N")}|${f("F")}|${f("U")}|`);
    } else {
      out.push(msg ? `${n}|${raw(msg, "E")}|${raw(msg, "T") || "0"}` : `${n}||`);
    }
  }
  return out;
}

/** One recipient list (to, cc or bcc) checked against the local users. */
interface Recipients {
  users: User[];
  error?: string;
}

/**
 * Resolves a comma-separated recipient list to local users: a user name, `sysop` (the
 * c_sysadm), or an address held in the directory or at this site's domain. ctdlsync does
 * not send Internet mail, so any other address is an unknown recipient.
 */
async function validateRecipients(s: Session, list: string): Promise<Recipients> {
  const store = s.server.store;
  const fqdn = (await readConfig(store, "c_fqdn", "")).toLowerCase();
  const nodename = (await readConfig(store, "c_nodename", "")).toLowerCase();
  const users: User[] = [];
  for (const entry of list.split(",")) {
    let r = entry.trim();
    if (r === "") continue;
    const angle = /<([^>]*)>/.exec(r);
    if (angle) r = angle[1].trim();
    let user: User | null = null;
    if (r.toLowerCase() === "sysop") {
      user = await getUser(store, await readConfig(store, "c_sysadm", "")) ?? null;
    } else if (r.includes("@")) {
      const name = await store.get("directory", [r.toLowerCase()]);
      if (name) user = await getUser(store, TABLES.directory.codec.decode(name));
      const [local, domain] = [r.slice(0, r.lastIndexOf("@")), r.slice(r.lastIndexOf("@") + 1)];
      if (!user && (domain.toLowerCase() === fqdn || domain.toLowerCase() === nodename)) {
        user = await getUser(store, local.replace(/_/g, " "));
      }
    } else {
      user = await getUser(store, r);
    }
    if (!user || user.axlevel === AxLevel.DELETED) {
      return { users, error: `Invalid recipient: ${r}` };
    }
    if (!users.some((u) => u.usernum === user!.usernum)) users.push(user);
  }
  return { users };
}

/** The user's own Internet address: the first of their addresses, else `Full_Name@fqdn`. */
function ownAddress(user: User, fqdn: string): string {
  const first = user.emailaddrs.split("|").map((a) => a.trim()).find((a) => a !== "");
  return first ?? `${user.fullname.replace(/ /g, "_")}@${fqdn}`;
}

/** RFC 2047 (B) encoding of a header value that is not plain ASCII, as Citadel stores it. */
function rfc2047(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  const bytes = new TextEncoder().encode(value);
  return `=?UTF-8?B?${btoa(String.fromCharCode(...bytes))}?=`;
}

/**
 * What Citadel's before-save hooks take from a vCard (address books: EUID = UID, subject =
 * FN) or an iCalendar object (calendars and task lists: EUID = UID, subject = SUMMARY).
 */
function objectFields(room: Room, body: string): { E?: string; U?: string } {
  const view = room.defaultview;
  const want = view === View.ADDRESSBOOK
    ? "text/x-vcard"
    : view === View.CALENDAR || view === View.TASKS
    ? "text/calendar"
    : "";
  if (want === "") return {};
  const part = mimeParts(body).find((p) =>
    p.contentType.toLowerCase() === want ||
    (want === "text/x-vcard" && p.contentType.toLowerCase() === "text/vcard")
  );
  if (!part) return {};
  const props = new Map<string, string>();
  for (const line of part.content.replace(/\r/g, "").replace(/\n[ \t]/g, "").split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).split(";")[0].toUpperCase();
    if (!props.has(name)) props.set(name, line.slice(colon + 1).trim());
  }
  const subject = want === "text/x-vcard"
    ? props.get("FN") ?? props.get("N")
    : props.get("SUMMARY");
  return { E: props.get("UID"), U: subject };
}

/** Message commands: MSGS, MSG0, MSG2, MSG4, ENT0, DELE, EUID. */
export const messageCommands: CommandTable = {
  MSGS: {
    access: "user",
    async run(s, args) {
      const user = s.requireUser();
      const room = await currentRoom(s);
      const word = (args[0] ?? "").toUpperCase();
      const mode = MSGS_MODES.find((m) => word.startsWith(m)) ?? "ALL";
      if (mode === "SEARCH") {
        throw new CtdlError(530, "Full text index is not enabled on this server.");
      }
      const ref = atol(args[1]);
      const withTemplate = atol(args[2]) !== 0;
      const format = atol(args[3]);
      let template: Map<string, string> | null = null;
      if (withTemplate) {
        await s.reply("800 Send template then receive message list");
        template = new Map();
        for (const line of await readClientLines(s, 64 * 1024)) {
          const [name, value = ""] = line.split("|");
          const type = fieldForMnemonic(name.toLowerCase());
          if (type && type >= "A" && type <= "Z") template.set(type, value);
        }
      }
      let nums = await roomMessages(s.server.store, room.number);
      if (template && template.size > 0) {
        const kept: number[] = [];
        for (const n of nums) {
          const msg = await getMessage(s.server.store, n);
          if (!msg || matchesTemplate(msg, template)) kept.push(n);
        }
        nums = kept;
      }
      const { visit } = await roomAccess(s.server.store, user, room);
      const chosen = selectMessages(
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
        await sendBinaryListing(s, " ", lines);
      }
    },
  },
  MSG0: {
    access: "user",
    async run(s, args) {
      const { room, msg } = await messageInRoom(s, atol(args[0]));
      const lines = renderMsg0(msg, {
        headers: atol(args[1]),
        roomAide: isRoomAide(s.user!, room),
      });
      await sendBinaryListing(s, "msg:", lines);
    },
  },
  MSG2: {
    access: "user",
    async run(s, args) {
      const { room, msg } = await messageInRoom(s, atol(args[0]));
      const store = s.server.store;
      const lines = renderMsg2(msg, {
        headers: atol(args[1]),
        roomAide: isRoomAide(s.user!, room),
        nodename: await readConfig(store, "c_nodename", "ctdlsync"),
        fqdn: await readConfig(store, "c_fqdn", "localhost"),
      });
      await sendBinaryListing(s, "msg:", lines);
    },
  },
  MSG4: {
    access: "user",
    async run(s, args) {
      const msgnum = atol(args[0]);
      const { room, msg } = await messageInRoom(s, msgnum);
      const section = (args[1] ?? "").trim();
      const shown = embeddedMessage(msg, section);
      if (!shown) throw new CtdlError(575, `msg ${msgnum} has no part ${section}`);
      const lines = renderMsg4(shown, {
        roomAide: isRoomAide(s.user!, room),
        preferred: s.preferredTypes,
        dontDecode: s.msg4DontDecode,
      });
      await sendBinaryListing(s, "msg:", lines);
    },
  },
  ENT0: {
    access: "user",
    async run(s, args) {
      const user = s.requireUser();
      const store = s.server.store;
      const room = await currentRoom(s);
      const post = atol(args[0]);
      let recp = (args[1] ?? "").trim();
      const anonFlag = atol(args[2]);
      const format = atol(args[3]);
      const subject = (args[4] ?? "").trim();
      const postname = (args[5] ?? "").trim() || user.fullname;
      const confirm = atol(args[6]) !== 0;
      let cc = (args[7] ?? "").trim();
      let bcc = (args[8] ?? "").trim();
      // Like Citadel, a client-chosen EUID counts only in notes and wiki rooms.
      const euid = room.defaultview === View.NOTES || room.defaultview === 6
        ? (args[9] ?? "").trim()
        : "";
      const fromEmail = (args[10] ?? "").trim();
      const references = (args[11] ?? "").replace(/!/g, "|");
      if (![0, 1, 4].includes(format)) {
        throw new CtdlError(512, `${format} is not a message format (0, 1 or 4)`);
      }

      const isMailbox = (room.flags & RoomFlag.MAILBOX) !== 0;
      if (user.axlevel < AxLevel.PROBLEM && !isMailbox) {
        throw new CtdlError(550, "Need to be validated to enter (except in Mail> to sysop)");
      }
      const { ua, visit } = await roomAccess(store, user, room);
      if (!(ua & UA.POSTALLOWED) && !((ua & UA.REPLYALLOWED) && references !== "")) {
        throw new CtdlError(550, "Higher access is required to post in this room.");
      }
      if (user.axlevel < AxLevel.AIDE && postname.toLowerCase() !== user.fullname.toLowerCase()) {
        throw new CtdlError(550, `You don't have permission to author messages as '${postname}'.`);
      }
      const fqdn = await readConfig(store, "c_fqdn", "localhost");
      const addresses = [ownAddress(user, fqdn), ...user.emailaddrs.split("|")]
        .map((a) => a.trim().toLowerCase()).filter((a) => a !== "");
      if (fromEmail !== "" && !addresses.includes(fromEmail.toLowerCase())) {
        throw new CtdlError(550, `You don't have permission to author messages as '${fromEmail}'.`);
      }

      // Mail rooms (the user's Mail, or a mailbox room viewed as mail; not Drafts) need
      // recipients, and every one of them must exist.
      const shortName = isMailbox ? room.name.replace(/^\d+\./, "") : room.name;
      let delivery: User[] | null = null;
      let display = "";
      if (
        isMailbox && (shortName.toLowerCase() === "mail" || visit.view === View.MAILBOX) &&
        shortName.toLowerCase() !== "drafts"
      ) {
        if (user.axlevel < AxLevel.PROBLEM) [recp, cc, bcc] = ["sysop", "", ""];
        delivery = [];
        for (const list of [recp, cc, bcc]) {
          const r = await validateRecipients(s, list);
          if (r.error) throw new CtdlError(570, r.error);
          if (list === recp) display = r.users.map((u) => u.fullname).join(", ");
          for (const u of r.users) {
            if (!delivery.some((d) => d.usernum === u.usernum)) delivery.push(u);
          }
        }
        if (delivery.length === 0) throw new CtdlError(570, "At least one recipient is required.");
      }
      if (!isMailbox) [recp, cc, bcc] = ["", "", ""];
      let anon = 65;
      if (room.flags & RoomFlag.ANONONLY) anon = 66;
      if ((room.flags & RoomFlag.ANONOPT) && anonFlag === 1) anon = 67;
      const subjectRequired = (room.flags2 & RoomFlag2.SUBJECTREQ) ? 1 : 0;

      if (post === 0) {
        await s.reply(`200 ${display}|${subjectRequired}`);
        return;
      }

      // Refuse before 4xx/8xx: once the client has sent its text, nothing but the 8xx
      // confirmation may follow, so a refused write must be the answer to ENT0 itself.
      store.writeGuard?.();
      await s.reply(`${confirm ? 800 : 400} send message`);
      const lines = await readClientLines(s, await maxMessageBytes(s));
      const body = lines.map((l) => l + "\n").join("");

      const fields: Record<string, string> = {
        P: (fromEmail || user.fullname).replace(/\s/g, "_"),
        A: postname,
        F: fromEmail || ownAddress(user, fqdn),
        O: shortName,
        H: await readConfig(store, "c_humannode", ""),
        R: delivery ? recp : "",
        Y: delivery ? cc : "",
        E: euid,
        W: references,
        U: rfc2047(subject),
        M: body,
      };
      if (format === 4 && !delivery) {
        const obj = objectFields(room, body);
        if (obj.E) fields.E = obj.E;
        if (obj.U && subject === "") fields.U = rfc2047(obj.U);
      }

      let rooms = [room.name];
      if (delivery) {
        // The sender's copy goes to Sent Items (if they have one), the recipients' to Mail.
        const sent = mailboxName(user.usernum, "Sent Items");
        rooms = (await getMailbox(store, user.usernum, "Sent Items")) ? [sent] : [];
        for (const u of delivery) {
          const mail = mailboxName(u.usernum, "Mail");
          if (!await getRoom(store, mail)) {
            // Citadel makes personal rooms at first login; a recipient who never logged
            // in gets the Mail room now.
            await createRoom(store, {
              name: mail,
              flags: RoomFlag.INUSE | RoomFlag.MAILBOX,
              defaultview: View.MAILBOX,
            }).catch((e) => {
              if (!(e instanceof CtdlError && e.code === 574)) throw e;
            });
          }
          // Mail lands only in a real mailbox room of the recipient, never in a room that
          // merely has the name (one created before names of that form were refused).
          if (!await getMailbox(store, u.usernum, "Mail")) {
            log.error(`session ${s.id}: ${mail} is not a mailbox room; not delivered there`);
            continue;
          }
          if (!rooms.includes(mail)) rooms.push(mail);
        }
      }

      let msgnum = -1;
      let status = "Internal error.";
      try {
        const result = await postLocalMessage(s, rooms, { anon, format, fields });
        msgnum = result.msgnum;
        status = msgnum > 0
          ? "Message accepted."
          : "Message not saved: this room holds a newer version of it.";
        if (result.replaced) {
          log.info(`session ${s.id}: message ${msgnum} replaced ${result.replaced} (EUID)`);
        }
      } catch (e) {
        // After the client's 000 an unasked-for line would put it out of step (the text
        // client crashes), so failures are only logged unless it asked for confirmation.
        status = e instanceof CtdlError ? e.message : "Internal error.";
        log.error(`session ${s.id}: ENT0 in ${room.name} failed: ${(e as Error).message}`);
      }
      if (confirm) {
        for (const line of [String(msgnum), status, fields.E ?? ""]) await s.reply(line);
        await s.reply("000");
      }
    },
  },
  DELE: {
    access: "user",
    async run(s, args) {
      const user = s.requireUser();
      const nums = (args[0] ?? "").split(",").map((t) => t.trim()).filter((t) => t !== "")
        .map(atol);
      if (nums.length === 0) {
        await s.reply("200 Nothing to do.");
        return;
      }
      const store = s.server.store;
      const room = await currentRoom(s);
      const { ua } = await roomAccess(store, user, room);
      // Aides, the room aide and a mailbox's owner may delete anything; in a collaborative
      // delete room (QR2_COLLABDEL) a poster may delete their own messages.
      const anything = (ua & UA.ADMINALLOWED) !== 0 || mailboxOwner(room) === user.usernum;
      const own = !anything && (room.flags2 & RoomFlag2.COLLABDEL) !== 0 &&
        (ua & UA.DELETEALLOWED) !== 0;
      if (!anything && !own) throw new CtdlError(550, "Higher access required.");
      const present: number[] = [];
      for (const n of nums) {
        if (n <= 0 || !await store.get("msglists", [room.number, n])) continue;
        if (own) {
          const msg = await getMessage(store, n);
          if (!msg || raw(msg, "A") !== toBinaryString(new TextEncoder().encode(user.fullname))) {
            throw new CtdlError(550, "Higher access required.");
          }
        }
        if (!present.includes(n)) present.push(n);
      }
      let deleted = 0;
      for (const n of present) {
        try {
          await deleteFromRoom(store, room.name, n);
          deleted++;
        } catch (e) {
          if (!(e instanceof CtdlError && e.code === 575)) throw e;
        }
      }
      if (deleted === 0) throw new CtdlError(575, "Message not found.");
      await s.reply(`200 ${deleted} message${deleted === 1 ? "" : "s"} deleted.`);
    },
  },
  EUID: {
    access: "user",
    async run(s, _args, rawArgs) {
      const room = await currentRoom(s);
      const euid = rawArgs.split("|")[0];
      const store = s.server.store;
      const held = await store.get("euidindex", [room.number, euid]);
      const msgnum = held ? TABLES.euidindex.codec.decode(held) : 0;
      if (msgnum <= 0 || !await store.get("msglists", [room.number, msgnum])) {
        throw new CtdlError(575, "not found");
      }
      await s.reply(`200 ${msgnum}`);
    },
  },
};
