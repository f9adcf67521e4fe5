import { newMessage, serializeMessage } from "../message/message.ts";
import { BatchWriter } from "../store/batch_writer.ts";
import { counterOp } from "../store/control.ts";
import { contentTypeOf, metaOp } from "../store/messages.ts";
import { roomFileOp } from "../store/room_files.ts";
import { mailboxName, newRoomRecord, RoomFlag, roomOp, visitOp } from "../store/rooms.ts";
import type { Store } from "../store/store.ts";
import { type Room, TABLES } from "../store/tables.ts";
import { AxLevel, hashPassword, newUserRecord, userOps } from "../store/users.ts";
import { baseConfigOps, baseRooms, baseSystemOps } from "./base_system.ts";
import { prng } from "./prng.ts";

/** The size of a generated system. */
export interface SeedOptions {
  users: number;
  rooms: number;
  messages: number;
  files: number;
  seed: number;
}

const WORDS =
  ("the citadel bbs room floor message user aide lobby mail network node post reply read " +
    "new old zap goto known forget visit seen calendar contact vcard file library upload download " +
    "server client sync pull wire chunk store digest stamp commit record table key value").split(
      " ",
    );

/**
 * Body sizes as on a real BBS: mostly a few hundred bytes, a tail of longer posts, and a
 * rare one near 1 MB (pasted logs, encoded attachments).
 */
function bodySize(rand: () => number): number {
  const r = rand();
  if (r < 0.80) return 100 + Math.floor(rand() * 1500);
  if (r < 0.975) return 1600 + Math.floor(rand() * 14000);
  if (r < 0.999) return 16_000 + Math.floor(rand() * 84_000);
  return 100_000 + Math.floor(rand() * 900_000);
}

function text(rand: () => number, size: number): string {
  const parts: string[] = [];
  let n = 0;
  let line = 0;
  while (n < size) {
    const w = WORDS[Math.floor(rand() * WORDS.length)];
    parts.push(w);
    n += w.length + 1;
    line += w.length + 1;
    if (line > 68) {
      parts.push("\n");
      line = 0;
    }
  }
  return parts.join(" ").replace(/ \n /g, "\n") + "\n";
}

/**
 * Generates a Citadel system of the given size into an empty store, writing in batches
 * within KV's limits. The same options give the same records (salts come from the seed).
 */
export async function generateSystem(store: Store, opts: SeedOptions): Promise<void> {
  const rand = prng(opts.seed);
  const t = 1_700_000_000;
  const writer = new BatchWriter(store);
  const add = async (ops: Parameters<BatchWriter["add"]>[0][]) => {
    for (const op of ops) await writer.add(op);
  };
  await add([
    ...baseConfigOps({
      nodename: "seeded",
      humannode: "Seeded BBS",
      fqdn: "seeded.example.org",
      sysadm: "SysOp",
    }),
    ...baseSystemOps(
      t,
      ["Main Floor", "Second Floor", "Third Floor"],
      " A generated ctdlsync system.",
    ),
  ]);
  const salt = () => Uint8Array.from({ length: 16 }, () => Math.floor(rand() * 256));
  // Generated accounts are test data: a low work factor keeps big systems quick to make.
  const users = [];
  for (let u = 1; u <= Math.max(1, opts.users); u++) {
    const user = newUserRecord({
      fullname: u === 1 ? "SysOp" : `User ${u}`,
      usernum: u,
      axlevel: u === 1 ? AxLevel.AIDE : AxLevel.NETWORK,
      password: await hashPassword(u === 1 ? "sysop-pass" : `password-${u}`, 1000, salt()),
      emailaddrs: `user${u}@seeded.example.org`,
      lastcall: t,
    });
    users.push(user);
    await add(userOps(user));
  }
  const rooms: Room[] = baseRooms(t);
  for (let r = 1; r <= opts.rooms; r++) {
    const dir = r === 1 && opts.files > 0;
    rooms.push(newRoomRecord({
      name: dir ? "Files" : `Room ${r}`,
      number: rooms.length + 1,
      floor: Math.floor(rand() * 3),
      gen: t,
      mtime: t,
      flags: dir
        ? RoomFlag.INUSE | RoomFlag.DIRECTORY | RoomFlag.DOWNLOAD | RoomFlag.VISDIR
        : RoomFlag.INUSE,
      dirname: dir ? "files" : "",
    }));
  }
  for (const u of users.slice(0, 50)) {
    rooms.push(newRoomRecord({
      name: mailboxName(u.usernum, "Mail"),
      number: rooms.length + 1,
      gen: t,
      mtime: t,
      flags: RoomFlag.INUSE | RoomFlag.MAILBOX,
      defaultview: 1,
    }));
  }
  // An address book: every 50th message is a vCard there, indexed by its EUID.
  const contacts = newRoomRecord({
    name: "Contacts",
    number: rooms.length + 1,
    gen: t,
    mtime: t,
    defaultview: 2,
  });
  rooms.push(contacts);
  for (let m = 1; m <= opts.messages; m++) {
    const vcard = m % 50 === 0;
    const room = vcard ? contacts : rooms[Math.floor(rand() * (rooms.length - 1))];
    const author = users[Math.floor(rand() * users.length)];
    const euid = `seed-vcard-${m}`;
    const msg = newMessage({
      format: vcard ? 4 : 0,
      fields: {
        I: `seed-${m}@seeded.example.org`,
        P: author.fullname.replace(/ /g, "_"),
        T: String(t + m),
        A: author.fullname,
        O: room.name,
        N: "seeded",
        ...(vcard ? { E: euid } : {}),
        U: vcard ? `Contact ${m}` : `Message ${m}`,
        M: vcard
          ? `Content-type: text/x-vcard\n\nbegin:vcard\nversion:2.1\nuid:${euid}\nfn:Contact ${m}\nend:vcard\n`
          : text(rand, bodySize(rand)),
      },
    });
    const bytes = serializeMessage(msg);
    await add([
      { table: "messages", key: [m], value: bytes },
      metaOp(m, { refcount: 1, content_type: contentTypeOf(msg), rfc822_length: bytes.length }),
      { table: "msglists", key: [room.number, m], value: new Uint8Array(0) },
    ]);
    if (vcard) {
      await add([{
        table: "euidindex",
        key: [contacts.number, euid],
        value: TABLES.euidindex.codec.encode(m),
      }]);
    }
    room.highest = m;
    if (m % 10 === 0) {
      await add([{
        table: "usetable",
        key: [`seed-${m}@seeded.example.org`],
        value: new TextEncoder().encode(String(t + m)),
      }]);
    }
  }
  for (const room of rooms) await add([roomOp(room)]);
  for (const u of users) {
    for (const room of rooms.slice(0, 5)) {
      await add([
        visitOp(room, u.usernum, {
          lastseen: room.highest,
          flags: 4,
          seen: room.highest ? `1:${room.highest}` : "",
          answered: "",
          view: 0,
        }),
      ]);
    }
  }
  for (let f = 1; f <= opts.files; f++) {
    const size = Math.floor(rand() * 200_000);
    const data = Uint8Array.from({ length: size }, () => Math.floor(rand() * 256));
    await add([
      roomFileOp("files", `file-${f}.bin`, {
        mimetype: "application/octet-stream",
        description: `File ${f}`,
        mtime: t,
      }, data),
    ]);
  }
  await add([
    counterOp("MMhighest", opts.messages),
    counterOp("MMnextuser", users.length),
    counterOp("MMnextroom", rooms.length),
    {
      table: "roominfo",
      key: [1],
      value: new TextEncoder().encode("Welcome to the generated Lobby.\n"),
    },
  ]);
  await writer.flush();
}
