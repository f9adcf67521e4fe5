/**
 * Verbs added for issue 10 whose behaviour the 902 recording cannot show: ENT0 and
 * EMSG/MESG keep the bytes a client sends, and the full-text index follows posts and
 * deletions.
 */
import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { fieldBytes } from "../../src/message/message.ts";
import { getMessage } from "../../src/store/messages.ts";
import { loginAs, withFixtureServer } from "../_helpers.ts";

const { sysop } = FIXTURE_USERS;

/** Bytes of `text` where each char is one byte (Latin-1). */
const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

Deno.test("ENT0 with Latin-1 bytes stores and reads back byte for byte", async () => {
  await withFixtureServer(async (address, store) => {
    const c = await loginAs(address, sysop);
    assert.equal((await c.command("GOTO Lobby")).code, 200);
    // "Grüße, señor – ½" in Latin-1: bytes that are not UTF-8 at all.
    const body = latin1("Gr\xfc\xdfe, se\xf1or \xbd\n\xe9t\xe9\n");
    await c.send("ENT0 1||0|1|Latin-1||1");
    assert.equal((await c.readReply()).code, 800);
    await c.out.write(body);
    await c.send("000");
    const num = Number(await c.reader.readLine());
    assert.deepEqual(await c.readListing(), ["Message accepted.", ""]);
    const stored = fieldBytes((await getMessage(store, num))!, "M")!;
    assert.deepEqual(stored, body, "the stored text is the bytes sent");

    // MSG0 sends them back unchanged (read raw, past the line decoder).
    await c.send(`MSG0 ${num}|0`);
    const chunks: Uint8Array[] = [];
    let all = new Uint8Array();
    while (indexOfBytes(all, latin1("\n000\n")) < 0) {
      chunks.push(await c.reader.readExact(1));
      all = Uint8Array.from(chunks.flatMap((ch) => [...ch]));
    }
    assert.ok(indexOfBytes(all, latin1("Gr\xfc\xdfe, se\xf1or \xbd")) >= 0, "line 1 intact");
    assert.ok(indexOfBytes(all, latin1("\xe9t\xe9")) >= 0, "line 2 intact");
    await c.quit();
  });
});

Deno.test("MESG sends a Latin-1 system message byte for byte, macros expanded", async () => {
  await withFixtureServer(async (address, store) => {
    const c = await loginAs(address, sysop);
    const text = latin1(" Gr\xfc\xdfe from ^humannode, se\xf1or \xbd\n\xe9t\xe9\n");
    assert.equal((await c.command("EMSG latin")).code, 400);
    await c.out.write(text);
    await c.send("000");
    // EMSG sends nothing after 000, so a NOOP marks when the text has been stored.
    assert.equal((await c.command("NOOP")).code, 200);
    assert.deepEqual(await store.get("sysmsgs", ["latin"]), text, "stored as sent");

    await c.send("MESG latin");
    const chunks: number[] = [];
    while (indexOfBytes(Uint8Array.from(chunks), latin1("\n000\n")) < 0) {
      chunks.push(...await c.reader.readExact(1));
    }
    assert.deepEqual(
      Uint8Array.from(chunks),
      latin1("100 latin\n Gr\xfc\xdfe from Fixture BBS, se\xf1or \xbd\n\xe9t\xe9\n000\n"),
    );
    await c.quit();
  });
});

Deno.test("SRCH and MSGS SEARCH find posted words, and lose deleted ones", async () => {
  await withFixtureServer(async (address) => {
    const c = await loginAs(address, sysop);
    assert.equal((await c.command("SRCH zebra")).code, 530, "off unless c_enable_fulltext");
    assert.equal((await c.command("CONF PUTVAL|c_enable_fulltext|1")).code, 200);
    assert.equal((await c.command("GOTO Lobby")).code, 200);
    await c.send("ENT0 1||0|0|Search me||1");
    assert.equal((await c.readReply()).code, 800);
    await c.send("The quixotic zebra grazes.");
    await c.send("000");
    const num = (await c.reader.readLine())!;
    await c.readListing();
    const srch = await c.listing("SRCH quixotic zebra");
    assert.equal(srch.reply.line, "100 1 msgs match all search words:");
    assert.deepEqual(srch.lines, [num]);
    assert.deepEqual((await c.listing("MSGS SEARCH|ZEBRA")).lines, [num], "any case");
    assert.deepEqual((await c.listing("MSGS SEARCH|zebra unicorn")).lines, [], "all words");
    assert.equal((await c.command(`DELE ${num}`)).code, 200);
    assert.deepEqual((await c.listing("SRCH zebra")).lines, [], "gone with the message");
    await c.quit();
  });
});
