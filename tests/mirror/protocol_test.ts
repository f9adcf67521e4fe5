/**
 * User-scoped SYNC on the wire: the rooms a user may read, a room's messages and changes
 * with CHUNK framing and digests, and 5xx for everything else.
 */
import assert from "node:assert/strict";
import { readBulk } from "../../src/client/bulk_reader.ts";
import { getRoom, roomMessages } from "../../src/store/rooms.ts";
import { getVisit } from "../../src/store/rooms.ts";
import { getUser } from "../../src/store/users.ts";
import { gotoRoom, loginAs, withFixtureServer } from "../_helpers.ts";
import { alice, bob, mailRoomOf, sysop } from "./_mirror.ts";

Deno.test("user SYNC: user|rooms lists exactly the rooms Citadel lets each user read", async () => {
  await withFixtureServer(async (address, store) => {
    const names = async (u: { name: string; password: string }) => {
      const c = await loginAs(address, u);
      const { reply, lines } = await c.listing("SYNC user|rooms");
      await c.quit();
      assert.match(reply.text, /^[0-9a-f-]{36}\|\d+\|fixture\|fixture\.example\.org$/);
      return new Map(lines.map((l) => l.split("|")).map((f) => [f[0], f]));
    };
    const a = await names(alice);
    const aliceMail = await mailRoomOf(store, alice.name);
    assert.deepEqual(a.get(aliceMail)!.slice(1, 3), ["Mail", "mail"]);
    assert.equal(a.get("Calendar")![2], "calendar");
    assert.equal(a.get("Contacts")![2], "contacts");
    assert.equal(a.get("Lobby")![2], "ordinary");
    assert.ok(a.has("Inner Circle"), "invitation-only room alice was invited to");
    for (const hidden of ["Vault", "Hidden Den", await mailRoomOf(store, bob.name)]) {
      assert.ok(!a.has(hidden), `${hidden} is not alice's to read`);
    }
    const b = await names(bob);
    assert.ok(!b.has("Old Stuff"), "bob zapped Old Stuff");
    assert.ok(!b.has("Inner Circle"));
    assert.ok(b.has(await mailRoomOf(store, bob.name)));
    const s = await names(sysop);
    assert.ok(s.has("Vault") && s.has("Hidden Den"), "an Aide reads every room");
    assert.ok(!s.has(aliceMail), "but other users' mailboxes are never listed");
  });
});

Deno.test("user SYNC: messages and since carry the room's list, seen set, tombstones and digest", async () => {
  await withFixtureServer(async (address, store) => {
    const c = await loginAs(address, alice);
    const lobby = (await getRoom(store, "Lobby"))!;
    const nums = await roomMessages(store, lobby.number);
    let header: Record<string, string> = {};
    const got: number[] = [];
    for await (
      const r of readBulk(c, "messages", "SYNC user|messages|Lobby", (h) => header = h.fields)
    ) {
      assert.deepEqual(r.value, await store.get("messages", r.key));
      got.push(r.key[0] as number);
    }
    assert.deepEqual(got, nums, "every message of the room, checked against END's digest");
    const user = (await getUser(store, alice.name))!;
    assert.equal(header.seen, (await getVisit(store, lobby, user.usernum)).seen);
    assert.equal(header.room, "Lobby");
    const stamp = Number(header.stamp);

    // A post and a delete after the stamp come back as one record and one tombstone.
    const aide = await loginAs(address, sysop);
    await gotoRoom(aide, "Lobby");
    assert.equal((await aide.command("ENT0 1||0|0|New one")).code, 400);
    await aide.send("posted after the stamp");
    await aide.send("000");
    assert.equal((await aide.command(`DELE ${nums[0]}`)).code, 200);
    await aide.quit();
    const changes = [];
    for await (const r of readBulk(c, "messages", `SYNC user|since|Lobby|${stamp}`, () => {})) {
      changes.push([r.key[0], r.value === null]);
    }
    const newest = (await roomMessages(store, lobby.number)).at(-1)!;
    assert.deepEqual(changes.sort(), [[nums[0], true], [newest, false]].sort());
    await c.quit();
  });
});

Deno.test("user SYNC: other mailboxes, rooms without access and whole tables get 5xx", async () => {
  await withFixtureServer(async (address, store) => {
    const c = await loginAs(address, bob);
    const refused = [
      "SYNC user|messages|Hidden Den", // private, guess-name: bob never found it
      "SYNC user|messages|Vault", // passworded
      "SYNC user|since|Inner Circle|0", // invitation-only
      `SYNC user|messages|${await mailRoomOf(store, alice.name)}`, // another user's mailbox
      "SYNC user|messages|No Such Room",
      "SYNC messages|getall", // the whole-table actions stay Aide-only
      "SYNC all|info",
      "SYNC user|since|Lobby|x",
    ];
    for (const cmd of refused) {
      const r = await c.command(cmd);
      assert.equal(Math.floor(r.code / 100), 5, `${cmd}: ${r.line}`);
    }
    await c.quit();
    const aide = await loginAs(address, sysop);
    const r = await aide.command(`SYNC user|messages|${await mailRoomOf(store, alice.name)}`);
    assert.equal(r.code, 100, "an Aide may read another user's mailbox");
    await aide.readListing();
    const table = await aide.command("SYNC rooms|info");
    assert.equal(table.code, 200, "the rooms table stays a table for Aides");
    await aide.quit();
  });
});
