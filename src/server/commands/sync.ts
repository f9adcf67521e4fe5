import { Code, CtdlError } from "../../errors.ts";
import { AxLevel } from "../../store/users.ts";
import { addToDigest, digestHex } from "../../wire/digest.ts";
import { recordHash } from "../../wire/record_hash.ts";
import { decodeKey, encodeKey, type KeyPart } from "../../wire/record_key.ts";
import type { Change, Store } from "../../store/store.ts";
import {
  isTableName,
  keyProblem,
  TABLE_NAMES,
  type TableName,
  TABLES,
} from "../../store/tables.ts";
import { recordHead } from "../../wire/record_stream.ts";
import { subVerbs } from "../dispatch.ts";
import type { CommandTable } from "../command.ts";
import { followFeed } from "../follow_feed.ts";
import type { Session } from "../session.ts";
import { isUserSyncTarget, runUserSync } from "./sync_user.ts";

/** The info line for one table: `table|count|digest|stamp|bytes`. */
async function infoLine(store: Store, table: TableName): Promise<string> {
  const st = await store.stats(table);
  return `${table}|${st.count}|${st.digest}|${st.stamp}|${st.bytes}`;
}

function parseKeyArg(table: TableName, hex: string | undefined): KeyPart[] {
  let bytes: Uint8Array | null = null;
  try {
    if (hex !== undefined) bytes = Uint8Array.fromHex(hex);
  } catch {
    // not even-length hex: refused below
  }
  if (!bytes || bytes.length === 0) {
    throw new CtdlError(512, "key must be the hex of the key's JSON text");
  }
  let key: KeyPart[];
  try {
    key = decodeKey(bytes);
  } catch (e) {
    throw new CtdlError(512, `bad key: ${(e as Error).message}`);
  }
  const problem = keyProblem(TABLES[table], key);
  if (problem) throw new CtdlError(512, problem);
  return key;
}

/**
 * Writes a bulk reply: header lines, the records in CHUNK frames, `END records|digest`,
 * `000`. The header's stamp is read before the first record, so anything written while the
 * reply streams has a higher stamp and is picked up by the next `since`.
 */
async function bulk(
  s: Session,
  table: TableName,
  action: string,
  records: AsyncIterable<Change>,
  extraHeader: string[] = [],
): Promise<void> {
  const store = s.server.store;
  const stamp = await store.stamp();
  await s.reply(`100 ${table}|${action}`);
  await s.reply(`table=${table}`);
  await s.reply(`stamp=${stamp}`);
  await s.reply(`storeid=${store.id}`);
  for (const line of extraHeader) await s.reply(line);
  const chunks = s.chunkWriter();
  let n = 0;
  let digest = 0n;
  try {
    for await (const rec of records) {
      const key = encodeKey(rec.key);
      await chunks.write(recordHead({ key, value: rec.value, stamp: rec.stamp }));
      if (rec.value) await chunks.write(rec.value);
      // The store keeps each record's hash: the reply digest reuses it.
      if (rec.value) digest = addToDigest(digest, rec.hash ?? recordHash(key, rec.value));
      n++;
    }
    await chunks.end();
  } catch (e) {
    // The reply has started, so an error can only end it: the client sees ABORT, not END.
    await chunks.end().catch(() => {});
    await s.reply(`ABORT ${(e as Error).message.replace(/\n/g, " ")}`);
    await s.reply("000");
    return;
  }
  await s.reply(`END ${n}|${digestHex(digest)}`);
  await s.reply("000");
}

async function* asChanges(store: Store, table: TableName, opts: { after?: KeyPart[] }) {
  for await (const r of store.list(table, opts)) {
    yield { key: r.key, value: r.value, stamp: r.stamp, hash: r.hash };
  }
}

/**
 * `SYNC <table>|<action>[|arg]`: the sync source. Actions: info, getall, range|<key hex>
 * (records after a key: resume of getall), since|<stamp> (changes and tombstones after a
 * stamp), get|<key hex>. `SYNC all|info` lists every table's info line; `SYNC all|follow`
 * is the live change feed (../follow_feed.ts).
 */
const tableSync = subVerbs(
  "aide",
  {
    async info(s, [name]) {
      const store = s.server.store;
      if (name === "all") {
        const lines = [];
        for (const t of TABLE_NAMES) lines.push(await infoLine(store, t));
        await s.listing(`${store.id}|${await store.stamp()}`, lines);
        return;
      }
      await s.reply(`200 ${await infoLine(store, table(name))}|${store.id}`);
    },
    async follow(s, [name, since, heartbeat]) {
      if (name !== "all") {
        throw new CtdlError(512, "follow covers every table: SYNC all|follow|<stamp>");
      }
      await followFeed(s, since, heartbeat);
    },
    async getall(s, [name]) {
      const t = table(name);
      await bulk(s, t, "getall", asChanges(s.server.store, t, {}));
    },
    async range(s, [name, arg]) {
      const t = table(name);
      const after = parseKeyArg(t, arg);
      await bulk(s, t, "range", asChanges(s.server.store, t, { after }));
    },
    async since(s, [name, arg]) {
      const t = table(name);
      if (!arg || !/^\d{1,16}$/.test(arg)) {
        throw new CtdlError(512, "since takes a stamp (a number)");
      }
      await bulk(s, t, "since", s.server.store.changes(t, Number(arg)));
    },
    async get(s, [name, arg]) {
      const t = table(name);
      const key = parseKeyArg(t, arg);
      const value = await s.server.store.get(t, key);
      const one = value ? [{ key, value, stamp: 0 }] : [];
      await bulk(
        s,
        t,
        "get",
        (async function* () {
          yield* one;
        })(),
      );
    },
  },
  syncUnknown,
  1,
);

/**
 * `SYNC user|...` (sync_user.ts) is for every logged-in user, over the rooms they may read;
 * the table actions stay Aide-only.
 */
export const syncCommands: CommandTable = {
  SYNC: {
    access: "user",
    async run(s, args, raw) {
      if (isUserSyncTarget(args[0])) {
        return await runUserSync(s, args, (s, a, recs, h) => bulk(s, "messages", a, recs, h));
      }
      if (s.requireUser().axlevel < AxLevel.AIDE) {
        throw new CtdlError(Code.HIGHER_ACCESS_REQUIRED, "This command requires Admin access.");
      }
      await tableSync.run(s, args, raw);
    },
  },
};

/** The 512 text for a SYNC without a known action. */
function syncUnknown(action: string): string {
  return action === ""
    ? "usage: SYNC <table>|<action>[|<argument>]"
    : `unknown action '${action}' (info, getall, range, since, get, follow)`;
}

/** The table a SYNC names; 512 for anything else. */
function table(name: string | undefined): TableName {
  if (!name) throw new CtdlError(512, "usage: SYNC <table>|<action>[|<argument>]");
  if (!isTableName(name)) throw new CtdlError(512, `unknown table '${name}'`);
  return name;
}
