import { CtdlError } from "../../errors.ts";
import { decodeKey, digestHex, encodeKey, type KeyPart, recordHash } from "../../store/_hash.ts";
import type { Change, Store } from "../../store/store.ts";
import {
  isTableName,
  keyProblem,
  TABLE_NAMES,
  type TableName,
  TABLES,
} from "../../store/tables.ts";
import { ChunkWriter } from "../../wire/chunks.ts";
import { fromHex } from "../../wire/hex.ts";
import { encodeRecord } from "../../wire/record_stream.ts";
import type { CommandTable, Session } from "../session.ts";
import { followFeed } from "./follow.ts";

/** The info line for one table: `table|count|digest|stamp|bytes`. */
async function infoLine(store: Store, table: TableName): Promise<string> {
  const st = await store.stats(table);
  return `${table}|${st.count}|${st.digest}|${st.stamp}|${st.bytes}`;
}

function parseKeyArg(table: TableName, hex: string | undefined): KeyPart[] {
  const bytes = hex === undefined ? null : fromHex(hex);
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
): Promise<void> {
  const store = s.server.store;
  const stamp = await store.stamp();
  await s.reply(`100 ${table}|${action}`);
  await s.reply(`table=${table}`);
  await s.reply(`stamp=${stamp}`);
  await s.reply(`storeid=${store.id}`);
  const chunks = new ChunkWriter(s.out);
  let n = 0;
  let digest = 0n;
  try {
    for await (const rec of records) {
      const key = encodeKey(rec.key);
      await chunks.write(encodeRecord({ key, value: rec.value, stamp: rec.stamp }));
      if (rec.value) digest = BigInt.asUintN(64, digest + recordHash(key, rec.value));
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
    yield { key: r.key, value: r.value, stamp: r.stamp };
  }
}

/**
 * `SYNC <table>|<action>[|arg]`: the sync source. Actions: info, getall, range|<key hex>
 * (records after a key: resume of getall), since|<stamp> (changes and tombstones after a
 * stamp), get|<key hex>. `SYNC all|info` lists every table's info line; `SYNC all|follow`
 * is the live change feed (follow.ts).
 */
export const syncCommands: CommandTable = {
  SYNC: {
    access: "aide",
    async run(s, args) {
      const [name, action, arg] = args;
      const store = s.server.store;
      if (!name || !action) throw new CtdlError(512, "usage: SYNC <table>|<action>[|<argument>]");
      if (name === "all" && action === "info") {
        const lines = [];
        for (const t of TABLE_NAMES) lines.push(await infoLine(store, t));
        await s.listing(`${store.id}|${await store.stamp()}`, lines);
        return;
      }
      if (name === "all" && action === "follow") return await followFeed(s, args);
      if (!isTableName(name)) throw new CtdlError(512, `unknown table '${name}'`);
      switch (action) {
        case "info":
          await s.reply(`200 ${await infoLine(store, name)}|${store.id}`);
          return;
        case "getall":
          await bulk(s, name, action, asChanges(store, name, {}));
          return;
        case "range": {
          const after = parseKeyArg(name, arg);
          await bulk(s, name, action, asChanges(store, name, { after }));
          return;
        }
        case "since": {
          if (!arg || !/^\d{1,16}$/.test(arg)) {
            throw new CtdlError(512, "since takes a stamp (a number)");
          }
          await bulk(s, name, action, store.changes(name, Number(arg)));
          return;
        }
        case "get": {
          const key = parseKeyArg(name, arg);
          const value = await store.get(name, key);
          const one = value ? [{ key, value, stamp: 0 }] : [];
          await bulk(
            s,
            name,
            action,
            (async function* () {
              yield* one;
            })(),
          );
          return;
        }
        default:
          throw new CtdlError(512, `unknown action '${action}' (info, getall, range, since, get)`);
      }
    },
  },
};
