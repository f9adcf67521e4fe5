import { Code, CtdlError } from "../../errors.ts";
import { log } from "../../log.ts";
import { fromBinaryString } from "../../message/binary_string.ts";
import { AnonType } from "../../message/message.ts";
import { mimeParts } from "../../message/mime.ts";
import { readConfig } from "../../store/control.ts";
import {
  createRoom,
  getRoom,
  mailboxName,
  RoomFlag,
  RoomFlag2,
  stripMailboxPrefix,
  View,
} from "../../store/rooms.ts";
import { type Room, TABLES, type User } from "../../store/tables.ts";
import { AxLevel, getUser } from "../../store/users.ts";
import { ownAddress } from "../addresses.ts";
import { atol } from "../args.ts";
import { currentRoom, roomAccess, UA } from "../access.ts";
import { getMailbox } from "../mailbox.ts";
import { postLocalMessage } from "../post_message.ts";
import { dropOldCards, vcardPost } from "../vcard_save.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/** Citadel's default c_maxmsglen: longer message texts are cut (the rest is read and dropped). */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** Longest body line ENT0 accepts; longer lines are read to their end and dropped. */
const MAX_BODY_LINE = 1 << 20;

/** The longest message body a client may enter: `c_maxmsglen` when set, within our own cap. */
async function maxMessageBytes(s: Session): Promise<number> {
  const n = Number.parseInt(await readConfig(s.server.store, "c_maxmsglen", "0"), 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, MAX_MESSAGE_BYTES) : MAX_MESSAGE_BYTES;
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

/** RFC 2047 (B) encoding of a header value that is not plain ASCII, as Citadel stores it. */
function rfc2047(value: string, always = false): string {
  if (!always && /^[\x20-\x7e]*$/.test(value)) return value;
  const bytes = new TextEncoder().encode(value);
  return `=?UTF-8?B?${btoa(String.fromCharCode(...bytes))}?=`;
}

/**
 * What Citadel's before-save hook takes from an iCalendar object in calendars and task
 * lists: EUID = UID, subject = SUMMARY, time = DTSTART. (vCards: see vcard_save.ts.)
 */
function objectFields(
  room: Room,
  body: string,
): { E?: string; U?: string; T?: number; encodeSubject?: boolean } {
  const view = room.defaultview;
  if (view !== View.CALENDAR && view !== View.TASKS) return {};
  const part = mimeParts(body).find((p) => p.contentType.toLowerCase() === "text/calendar");
  if (!part) return {};
  const props = new Map<string, string>();
  for (const line of part.content.replace(/\r/g, "").replace(/\n[ \t]/g, "").split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).split(";")[0].toUpperCase();
    if (!props.has(name)) props.set(name, line.slice(colon + 1).trim());
  }
  // 902 dates a calendar object by its start, and always encodes its summary (RFC 2047).
  const start = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(
    props.get("DTSTART") ?? "",
  );
  const t = start
    ? Date.UTC(
      +start[1],
      +start[2] - 1,
      +start[3],
      +(start[4] ?? 0),
      +(start[5] ?? 0),
      +(start[6] ?? 0),
    ) / 1000
    : undefined;
  const summary = props.get("SUMMARY");
  return { E: props.get("UID"), U: summary, T: t, encodeSubject: summary !== undefined };
}

/** Posting: ENT0. */
export const postingCommands: CommandTable = {
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
      const euid = room.defaultview === View.NOTES || room.defaultview === View.WIKI
        ? (args[9] ?? "").trim()
        : "";
      const fromEmail = (args[10] ?? "").trim();
      const references = (args[11] ?? "").replace(/!/g, "|");
      if (![0, 1, 4].includes(format)) {
        throw new CtdlError(Code.ILLEGAL_VALUE, `${format} is not a message format (0, 1 or 4)`);
      }

      const isMailbox = (room.flags & RoomFlag.MAILBOX) !== 0;
      if (user.axlevel < AxLevel.PROBLEM && !isMailbox) {
        throw new CtdlError(
          Code.HIGHER_ACCESS_REQUIRED,
          "Need to be validated to enter (except in Mail> to sysop)",
        );
      }
      const { ua, visit } = await roomAccess(store, user, room);
      if (!(ua & UA.POSTALLOWED) && !((ua & UA.REPLYALLOWED) && references !== "")) {
        throw new CtdlError(
          Code.HIGHER_ACCESS_REQUIRED,
          "Higher access is required to post in this room.",
        );
      }
      if (user.axlevel < AxLevel.AIDE && postname.toLowerCase() !== user.fullname.toLowerCase()) {
        throw new CtdlError(
          Code.HIGHER_ACCESS_REQUIRED,
          `You don't have permission to author messages as '${postname}'.`,
        );
      }
      const fqdn = await readConfig(store, "c_fqdn", "localhost");
      const addresses = [ownAddress(user, fqdn), ...user.emailaddrs.split("|")]
        .map((a) => a.trim().toLowerCase()).filter((a) => a !== "");
      if (fromEmail !== "" && !addresses.includes(fromEmail.toLowerCase())) {
        throw new CtdlError(
          Code.HIGHER_ACCESS_REQUIRED,
          `You don't have permission to author messages as '${fromEmail}'.`,
        );
      }

      // Mail rooms (the user's Mail, or a mailbox room viewed as mail; not Drafts) need
      // recipients, and every one of them must exist.
      const shortName = isMailbox ? stripMailboxPrefix(room.name) : room.name;
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
          if (r.error) throw new CtdlError(Code.NO_SUCH_USER, r.error);
          // Mail to "sysop" is shown as going to the Aides, as 902 shows it.
          if (list === recp) {
            display = recp === "sysop" ? "Aide" : r.users.map((u) => u.fullname).join(", ");
          }
          for (const u of r.users) {
            if (!delivery.some((d) => d.usernum === u.usernum)) delivery.push(u);
          }
        }
        if (delivery.length === 0) {
          throw new CtdlError(Code.NO_SUCH_USER, "At least one recipient is required.");
        }
      }
      if (!isMailbox) [recp, cc, bcc] = ["", "", ""];
      let anon: number = AnonType.NORMAL;
      if (room.flags & RoomFlag.ANONONLY) anon = AnonType.ANON_ONLY;
      if ((room.flags & RoomFlag.ANONOPT) && anonFlag === 1) anon = AnonType.ANON_OPTION;
      const subjectRequired = (room.flags2 & RoomFlag2.SUBJECTREQ) ? 1 : 0;

      if (post === 0) {
        await s.reply(`${Code.OK} ${display}|${subjectRequired}`);
        return;
      }

      // Refuse before 4xx/8xx: once the client has sent its text, nothing but the 8xx
      // confirmation may follow, so a refused write must be the answer to ENT0 itself.
      store.writeGuard?.();
      await s.reply(`${confirm ? 800 : 400} send message`);
      const lines = await s.readText({
        maxBytes: await maxMessageBytes(s),
        maxLineBytes: MAX_BODY_LINE,
        binary: true,
      });
      // A binary string: the body's bytes as the client sent them, never decoded.
      const body = lines.map((l) => l + "\n").join("");
      const card = format === 4 ? await vcardPost(s, room, body) : null;

      const fields: Record<string, string | Uint8Array> = {
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
        M: fromBinaryString(card ? card.body : body),
      };
      if (card) {
        // 902's vCard hook: EUID = UID; subject = FN (or N) as stored, else the UID.
        fields.E = new TextDecoder().decode(fromBinaryString(card.euid));
        if (card.subject !== undefined) fields.U = fromBinaryString(card.subject);
        else if (subject === "") fields.U = fromBinaryString(card.euid);
        if (card.owner !== undefined) {
          fields.A = card.owner;
          await dropOldCards(s, room);
        }
      } else if (format === 4 && !delivery) {
        const obj = objectFields(room, body);
        // The body is a binary string: its UID and summary are UTF-8 bytes, kept as such.
        if (obj.E) fields.E = new TextDecoder().decode(fromBinaryString(obj.E));
        if (obj.U && subject === "") {
          const text = new TextDecoder().decode(fromBinaryString(obj.U));
          fields.U = obj.encodeSubject ? rfc2047(text, true) : rfc2047(text);
        }
        if (obj.T !== undefined) fields.T = String(obj.T);
      }

      let rooms = [room.name];
      if (delivery) {
        // The sender's copy goes to Sent Items (if they have one), the recipients' to Mail.
        const sent = mailboxName(user.usernum, "Sent Items");
        rooms = (await getMailbox(store, user.usernum, "Sent Items")) ? [sent] : [];
        // The message names the room it was saved in first: the sender's Sent Items.
        if (rooms.length > 0) fields.O = sent;
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
        if (msgnum > 0 && delivery) {
          // Recipients online hear of it in their next GOTO of a mailbox (field 9).
          const to = new Set(delivery.map((u) => u.usernum));
          for (const o of s.server.sessions) if (o.user && to.has(o.user.usernum)) o.newMail = true;
        }
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
        for (const line of [String(msgnum), status, String(fields.E ?? "")]) await s.reply(line);
        await s.reply("000");
      }
    },
  },
};
