import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { fieldText } from "../../src/message/message.ts";
import { getMessage } from "../../src/store/messages.ts";
import { readRoomFile, statRoomFile } from "../../src/store/room_files.ts";
import { getRoom, roomMessages } from "../../src/store/rooms.ts";
import {
  CitadelClient,
  gotoRoom,
  loginAs,
  sha256Hex,
  waitFor,
  withFixtureServer,
} from "../_helpers.ts";

const { sysop, bob } = FIXTURE_USERS;

/**
 * Downloads the open file the way the stock client does: every READ sent first, then all
 * the replies read (600 n and exactly n bytes each).
 */
async function readAll(c: CitadelClient, size: number, chunk = 4096): Promise<Uint8Array> {
  const offsets: number[] = [];
  for (let off = 0; off < size; off += chunk) offsets.push(off);
  for (const off of offsets) await c.out.writeLine(`READ ${off}|${chunk}`);
  await c.out.flush();
  const out = new Uint8Array(size);
  for (const off of offsets) {
    const r = await c.readReply();
    assert.equal(r.code, 600, r.line);
    const n = Number(r.text);
    assert.equal(n, Math.min(chunk, size - off));
    out.set(await c.reader.readExact(n), off);
  }
  return out;
}

/** UOPN, WRIT in pieces, UCLS 1. */
async function upload(
  c: CitadelClient,
  name: string,
  type: string,
  note: string,
  data: Uint8Array,
) {
  assert.equal((await c.command(`UOPN ${name}|${type}|${note}`)).line, "200 Ok");
  for (let off = 0; off < data.length; off += 100_000) {
    const piece = data.subarray(off, off + 100_000);
    assert.equal((await c.command(`WRIT ${piece.length}`)).line, `700 ${piece.length}`);
    await c.out.write(piece);
    await c.out.flush();
  }
  return await c.command("UCLS 1");
}

Deno.test("files: RDIR lists the room's files; 560 outside directory rooms", async () => {
  await withFixtureServer(async (address) => {
    const c = await loginAs(address, bob);
    await gotoRoom(c, "Lobby");
    assert.equal((await c.command("RDIR")).code, 560);
    assert.equal((await c.command("OPEN readme.txt")).code, 560);
    await gotoRoom(c, "File Library");
    const { reply, lines } = await c.listing("RDIR");
    // 902's form: the FQDN, then <home>/files//<dirname> (ctdlsync's home: the store's folder).
    assert.match(reply.line, /^100 fixture\.example\.org\|\/.+\/files\/\/library$/);
    // 902 keeps the space that separates the description in its filedir index.
    assert.deepEqual(lines, [
      "firmware.bin|150000|application/octet-stream| Firmware image",
      "readme.txt|26|text/plain| Read me first",
    ]);
    await c.quit();
  });
});

Deno.test("files: OPEN/READ/CLOS of the 150 KB firmware.bin is byte for byte", async () => {
  await withFixtureServer(async (address, store) => {
    const c = await loginAs(address, bob);
    await gotoRoom(c, "File Library");
    assert.equal((await c.command("READ 0|4096")).code, 553, "nothing open");
    assert.equal((await c.command("CLOS")).code, 553);
    assert.equal((await c.command("OPEN")).code, 571);
    assert.match(
      (await c.command("OPEN no-such-file")).line,
      /^510 cannot open \/.+\/files\/\/library\/no-such-file: No such file or directory$/,
    );
    assert.equal((await c.command("OPEN ../../etc/passwd")).code, 512);
    const open = await c.command("OPEN firmware.bin");
    assert.equal(open.line, "200 150000|1700000000|firmware.bin|application/octet-stream");
    assert.equal((await c.command("OPEN readme.txt")).code, 552, "one download at a time");
    assert.equal((await c.command("READ 0|0")).code, 512);
    // READ caps a request at 4096 bytes.
    const big = await c.command("READ 0|10000");
    assert.equal(big.line, "600 4096");
    await c.reader.readExact(4096);
    const got = await readAll(c, 150_000);
    const want = (await readRoomFile(store, "library", "firmware.bin", 0, 150_000))!;
    assert.equal(want.length, 150_000);
    assert.equal(await sha256Hex(got), await sha256Hex(want));
    assert.equal((await c.command("CLOS")).line, "200 Ok");
    assert.equal((await c.command("CLOS")).code, 553);
    assert.equal((await c.command("NOOP")).line, "200 ok");
    await c.quit();
  });
});

Deno.test("files: UOPN/WRIT/UCLS saves the upload; RDIR shows it; a notice is posted", async () => {
  await withFixtureServer(async (address, store) => {
    const c = await loginAs(address, bob);
    await gotoRoom(c, "File Library");
    assert.equal((await c.command("WRIT 10")).code, 553, "no upload open");
    assert.equal((await c.command("UCLS 1")).code, 553);
    assert.equal((await c.command("UOPN readme.txt|text/plain|again")).code, 574);
    // 250 000 bytes with LF, "000" lines and every byte value: three WRITs.
    const data = new Uint8Array(250_000).map((_, i) => (i % 7 === 0 ? 10 : i % 256));
    data.set(new TextEncoder().encode("\n000\n"), 1000);
    assert.match(
      (await upload(c, "dump.bin", "application/x-test", "Test dump", data)).line,
      /^200 File '\/.+\/files\/\/library\/dump\.bin' saved\.$/,
    );
    const { lines } = await c.listing("RDIR");
    assert.ok(lines.includes("dump.bin|250000|application/x-test| Test dump"), lines.join("\n"));
    const stat = (await statRoomFile(store, "library", "dump.bin"))!;
    assert.equal(stat.description, "Test dump");
    assert.equal(
      await sha256Hex((await readRoomFile(store, "library", "dump.bin", 0, 250_000))!),
      await sha256Hex(data),
    );
    assert.match((await c.command("OPEN dump.bin")).line, /^200 250000\|\d+\|dump\.bin\|/);
    assert.equal(await sha256Hex(await readAll(c, 250_000)), await sha256Hex(data));
    assert.equal((await c.command("CLOS")).code, 200);

    const room = (await getRoom(store, "File Library"))!;
    const notice = (await getMessage(store, (await roomMessages(store, room.number)).at(-1)!))!;
    assert.equal(fieldText(notice, "A"), "Bob Builder");
    assert.equal(
      fieldText(notice, "M"),
      "NEW UPLOAD: 'dump.bin'\n Test dump\napplication/x-test\n",
    );

    // UCLS 0 throws the upload away.
    assert.equal((await c.command("UOPN scratch.txt|text/plain|x")).code, 200);
    assert.equal((await c.command("UOPN other.txt|text/plain|x")).code, 552);
    assert.equal((await c.command("WRIT 3")).code, 700);
    await c.out.write(new Uint8Array([1, 2, 3]));
    await c.out.flush();
    assert.match(
      (await c.command("UCLS 0")).line,
      /^200 File '\/.+\/files\/\/library\/scratch\.txt' aborted\.$/,
    );
    assert.equal(await statRoomFile(store, "library", "scratch.txt"), null);
    await c.quit();
  });
});

Deno.test("files: an upload cut by a disconnect leaves nothing behind", async () => {
  await withFixtureServer(async (address, store, server) => {
    const before = (await store.stats("roomfiles")).count;
    // Cut in the middle of a WRIT.
    const c = await loginAs(address, bob);
    await gotoRoom(c, "File Library");
    assert.equal((await c.command("UOPN cut.bin|application/octet-stream|cut")).code, 200);
    assert.equal((await c.command("WRIT 1000")).line, "700 1000");
    await c.out.write(new Uint8Array(500));
    await c.out.flush();
    c.close();
    // Whole WRITs, but the client leaves without UCLS.
    const d = await loginAs(address, bob);
    await gotoRoom(d, "File Library");
    assert.equal((await d.command("UOPN left.bin|application/octet-stream|left")).code, 200);
    assert.equal((await d.command("WRIT 10")).code, 700);
    await d.out.write(new Uint8Array(10));
    await d.out.flush();
    assert.equal((await d.command("NOOP")).code, 200);
    d.close();

    await waitFor(() => server.sessions.size === 0, 5000, "the server to end both sessions");
    const e = await loginAs(address, bob);
    await gotoRoom(e, "File Library");
    const { lines } = await e.listing("RDIR");
    assert.ok(!lines.some((l) => l.startsWith("cut.bin") || l.startsWith("left.bin")));
    assert.equal((await store.stats("roomfiles")).count, before);
    // The names are free again.
    assert.equal((await e.command("UOPN cut.bin|application/octet-stream|ok")).code, 200);
    await e.quit();
  });
});

Deno.test("files: OPNA opens a decoded MIME attachment as the download", async () => {
  await withFixtureServer(async (address, store) => {
    const c = await loginAs(address, bob);
    await gotoRoom(c, "Lobby");
    const attachment = new Uint8Array(3000).map((_, i) => (i * 7) % 256);
    const b64 = btoa(String.fromCharCode(...attachment)).match(/.{1,76}/g)!;
    const r = await c.command("ENT0 1||0|4|With attachment");
    assert.equal(r.code, 400);
    for (
      const line of [
        'Content-type: multipart/mixed; boundary="XYZ"',
        "",
        "--XYZ",
        "Content-type: text/plain; charset=utf-8",
        "",
        "See attached.",
        "--XYZ",
        'Content-type: application/octet-stream; name="blob.bin"',
        'Content-disposition: attachment; filename="blob.bin"',
        "Content-transfer-encoding: base64",
        "",
        ...b64,
        "--XYZ--",
      ]
    ) await c.send(line);
    await c.send("000");
    assert.equal((await c.command("NOOP")).line, "200 ok");
    const room = (await getRoom(store, "Lobby"))!;
    const n = (await roomMessages(store, room.number)).at(-1)!;
    const listed = (await c.listing(`MSG0 ${n}|1`)).lines;
    assert.ok(
      listed.includes(
        "part=blob.bin|blob.bin|2|attachment|application/octet-stream|" +
          `${b64.join("\n").length}||`,
      ),
      listed.join("\n"),
    );

    const first = (await roomMessages(store, room.number))[0];
    assert.equal((await c.command(`OPNA ${first}|1`)).code, 512, "not a MIME message");
    assert.equal((await c.command(`OPNA ${n}|7`)).line, "571 Section 7 not found.");
    const open = await c.command(`OPNA ${n}|2`);
    assert.match(open.line, /^200 3000\|\d+\|blob\.bin\|application\/octet-stream$/);
    assert.equal((await c.command(`OPNA ${n}|1`)).code, 552);
    assert.deepEqual(await readAll(c, 3000, 1000), attachment);
    assert.equal((await c.command("CLOS")).code, 200);
    await c.quit();
  });
});

Deno.test("files: single-user mode refuses UOPN from a non-holder, with no stray line", async () => {
  await withFixtureServer(async (address, store) => {
    const holder = await loginAs(address, sysop);
    assert.equal((await holder.command("SNGL 0|60")).code, 200);
    const other = await loginAs(address, sysop);
    await gotoRoom(other, "File Library");
    const r = await other.command("UOPN late.txt|text/plain|refused");
    assert.equal(r.code, 552, r.line);
    assert.equal((await other.command("NOOP")).line, "200 ok");
    assert.equal((await other.command("WRIT 5")).code, 553, "no upload was opened");
    assert.equal(await statRoomFile(store, "library", "late.txt"), null);
    await gotoRoom(holder, "File Library");
    const data = new TextEncoder().encode("holder's file\n");
    assert.equal((await upload(holder, "ok.txt", "text/plain", "fine", data)).code, 200);
    assert.ok(await statRoomFile(store, "library", "ok.txt"));
    assert.equal((await holder.command("ESNG")).code, 200);
    other.close();
    await holder.quit();
  });
});
