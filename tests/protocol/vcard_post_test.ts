/**
 * ENT0 of a vCard where 902's vCard hook runs: an address book and the user's own config
 * room. (The address-book case is also held to 902's recorded reply by the all-verbs replay.)
 */
import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { fieldText } from "../../src/message/message.ts";
import { getMessage } from "../../src/store/messages.ts";
import { getRoom, mailboxName, roomMessages } from "../../src/store/rooms.ts";
import { getUser } from "../../src/store/users.ts";
import type { CitadelClient } from "../../src/client/connection.ts";
import { loginAs, withFixtureServer } from "../_helpers.ts";

const { alice } = FIXTURE_USERS;

/** Posts `card` as a format-4 message with confirmation; returns the message number. */
async function postCard(c: CitadelClient, card: string): Promise<number> {
  await c.send("ENT0 1||0|4|||1");
  assert.equal((await c.readReply()).code, 800);
  await c.send("Content-type: text/vcard");
  await c.send("");
  for (const line of card.split("\n")) await c.send(line);
  await c.send("000");
  const num = Number(await c.reader.readLine());
  await c.readListing();
  return num;
}

Deno.test("ENT0 vCard: an address book stores 902's form, a card without UID gets one", async () => {
  await withFixtureServer(async (address, store) => {
    const c = await loginAs(address, alice);
    assert.equal((await c.command("GOTO Contacts")).code, 200);
    const num = await postCard(c, "BEGIN:VCARD\nVERSION:4.0\nFN;CHARSET=UTF-8:Zo\u00eb\nEND:VCARD");
    const msg = (await getMessage(store, num))!;
    const uid = fieldText(msg, "E")!;
    assert.match(uid, /^[0-9a-f-]{36}$/, "a generated UUID, as 902's generate_uuid");
    assert.equal(fieldText(msg, "U"), "Zo\u00eb", "FN is the subject");
    assert.equal(
      fieldText(msg, "M"),
      "Content-type: text/x-vcard\r\n\r\nbegin:vcard\r\nVERSION:2.1\r\n" +
        `FN;charset=UTF-8:Zo\u00eb\r\nUID:${uid}\r\nend:vcard\r\n\r\n`,
    );
    await c.quit();
  });
});

Deno.test("ENT0 vCard in the user's config room: one card, 902's UID and FBURL", async () => {
  await withFixtureServer(async (address, store) => {
    const c = await loginAs(address, alice);
    const user = (await getUser(store, alice.name))!;
    const name = mailboxName(user.usernum, "My Citadel Config");
    // REGI makes the config room and its first card.
    await c.send("REGI");
    assert.equal((await c.readReply()).code, 400);
    for (const l of ["Tester Alice", "1 Road", "Town", "ST", "12345", "555", "a@x.org", "US"]) {
      await c.send(l);
    }
    await c.send("000");
    assert.equal((await c.command("GOTO My Citadel Config")).code, 200);
    const num = await postCard(c, "BEGIN:VCARD\nN:Tester;Alice\nEND:VCARD");
    const room = (await getRoom(store, name))!;
    assert.deepEqual(await roomMessages(store, room.number), [num], "the older card is gone");
    const msg = (await getMessage(store, num))!;
    assert.equal(fieldText(msg, "A"), alice.name);
    assert.equal(fieldText(msg, "E"), `Citadel vCard: personal card for ${alice.name} at fixture`);
    assert.match(
      fieldText(msg, "M")!,
      /\r\nFBURL;PREF:http:\/\/fixture\.example\.org\/Alice_Tester\.vfb\r\n/,
    );
    await c.quit();
  });
});
