/**
 * One schema per record: a field added in one place (a test-only extension of the user and
 * room schemas) travels through the store, a SYNC pull, a MIGR export and a MIGR import.
 */
import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { exportMigr } from "../../src/app/migr_export.ts";
import { importMigr } from "../../src/app/migr_import.ts";
import { runPull } from "../../src/client/run_pull.ts";
import { extendSchema, unextendSchema } from "../../src/schema/record.ts";
import { ROOM, USER } from "../../src/schema/records.ts";
import { getRoom, newRoomRecord, roomOp } from "../../src/store/rooms.ts";
import { TABLES } from "../../src/store/tables.ts";
import { getUser, newUserRecord, userOps } from "../../src/store/users.ts";
import { digests, fixtureStore, startServer, tempStore } from "../_helpers.ts";

const sysop = FIXTURE_USERS.sysop;

async function collect(it: AsyncIterable<string>): Promise<string> {
  let out = "";
  for await (const piece of it) out += piece;
  return out;
}

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

Deno.test("schema: a field added once travels through store, SYNC, MIGR export and import", async () => {
  extendSchema(USER, "pronouns", { type: "string", migr: "u_pronouns", default: "" });
  extendSchema(ROOM, "colour", { type: "int", migr: "QRcolour", default: 7 });
  const src = await fixtureStore();
  const dst = await tempStore();
  const back = await tempStore();
  let stop = () => Promise.resolve();
  try {
    // The defaults come from the schema: no other code knows these fields.
    const fresh = newUserRecord({ fullname: "Zed", usernum: 99 }) as Record<string, unknown>;
    assert.equal(fresh.pronouns, "");
    assert.equal((newRoomRecord({ name: "x", number: 1 }) as Record<string, unknown>).colour, 7);

    const zed = { ...fresh, pronouns: "they/them" } as never;
    const room = { ...newRoomRecord({ name: "Paint Shop", number: 500 }), colour: 42 };
    await src.store.write([...userOps(zed), roomOp(room as never)]);
    // Records stored before the field existed (the whole fixture) read with its default.
    const old = await getUser(src.store, sysop.name) as Record<string, unknown> | null;
    assert.equal(old?.pronouns, "");

    // SYNC carries the stored bytes, so the field arrives with them.
    const { server, address } = startServer(src.store);
    stop = () => server.stop(2);
    await runPull(dst.store, { from: address, user: sysop.name, password: sysop.password });
    assert.deepEqual(await digests(dst.store), await digests(src.store));
    const pulled = await getUser(dst.store, "Zed") as Record<string, unknown> | null;
    assert.equal(pulled?.pronouns, "they/them");

    // MIGR export writes it under its MIGR name, in the record's element.
    const xml = await collect(exportMigr(dst.store));
    const userEl = /<user>\n(?:(?!<\/user>)[\s\S])*<u_fullname>Zed<\/u_fullname>[\s\S]*?<\/user>/
      .exec(xml)?.[0] ?? "";
    assert.match(userEl, /<u_pronouns>they\/them<\/u_pronouns>\n<\/user>$/);
    assert.match(xml, /<QRname>Paint Shop<\/QRname>[\s\S]*?<QRcolour>42<\/QRcolour>\n<\/room>/);

    // MIGR import reads it back into the record. In this thread: the schema was extended
    // here at run time, and an import worker loads the schema as the source declares it.
    const report = await importMigr(back.store, once(xml), { inThread: true });
    assert.deepEqual(report.unknown, {});
    const imported = await getUser(back.store, "Zed") as Record<string, unknown> | null;
    assert.equal(imported?.pronouns, "they/them");
    const r = await getRoom(back.store, "Paint Shop") as Record<string, unknown> | null;
    assert.equal(r?.colour, 42);
    // The user table comes back byte for byte (passwords are kept hashes, not re-hashed).
    assert.equal(
      (await digests(back.store)).users,
      (await digests(src.store)).users,
    );
  } finally {
    unextendSchema(USER, "pronouns");
    unextendSchema(ROOM, "colour");
    await stop();
    await back.cleanup();
    await dst.cleanup();
    await src.cleanup();
  }
});

Deno.test("schema: stored bytes of the fixture's users and rooms keep their format", async () => {
  const src = await fixtureStore();
  try {
    const bytes = await src.store.get("users", ["sysop"]);
    const text = new TextDecoder().decode(bytes!);
    // The canonical order is the schema's order, unchanged since the first stored record.
    assert.deepEqual(Object.keys(JSON.parse(text)), USER.fields.map((f) => f.name));
    assert.equal(text.startsWith('{"version":902,"uid":-1,"password":"pbkdf2-sha256$'), true);
    // A value with a field the schema does not know is refused, not silently kept.
    const extra = new TextEncoder().encode(text.replace("{", '{"x":1,'));
    assert.throws(() => TABLES.users.codec.decode(extra), /unknown fields/);
    // A value that lacks a field declared from the start is refused as well.
    const lacking = new TextEncoder().encode(text.replace('"version":902,', ""));
    assert.throws(() => TABLES.users.codec.decode(lacking), /field 'version'/);
  } finally {
    await src.cleanup();
  }
});
