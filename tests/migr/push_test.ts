/**
 * The way back's last step (issue 10, item 4): after `MIGR import` of our export on a server
 * without SYNC, `push` installs the system messages and room files over the wire, and RDIR,
 * OPEN/READ and MESG then show them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { parseRoomFile, roomFileOp } from "../../src/store/room_files.ts";
import { Store } from "../../src/store/store.ts";
import { getSystemMessage, systemMessageOp } from "../../src/store/system_messages.ts";
import { CitadelClient, fixtureStore, gotoRoom, runCli, startServer } from "../_helpers.ts";

const { sysop, alice } = FIXTURE_USERS;

/** Reads file `name` of the current room with OPEN, READs of 4096 and CLOS. */
async function download(c: CitadelClient, name: string): Promise<Uint8Array> {
  const o = await c.command(`OPEN ${name}`);
  assert.equal(o.code, 200, o.line);
  const size = Number(o.text.split("|")[0]);
  const out = new Uint8Array(size);
  for (let off = 0; off < size; off += 4096) {
    const r = await c.command(`READ ${off}|4096`);
    assert.equal(r.code, 600, r.line);
    out.set(await c.reader.readExact(Number(r.text), "READ"), off);
  }
  assert.equal((await c.command("CLOS")).code, 200);
  return out;
}

Deno.test("push: banners and room files reach a server without SYNC after MIGR import", async () => {
  const src = await fixtureStore();
  const root = await Deno.makeTempDir({ prefix: "ctdlsync-push-" });
  // The whole way back: export (with a chosen Aide password), MIGR import on the new host.
  await Deno.writeTextFile(
    join(root, "passwords"),
    `${sysop.name}:${sysop.password}\n${alice.name}:${alice.password}\n`,
  );
  await Deno.writeTextFile(join(root, "pw"), `${sysop.password}\n`);
  const files: [string, Uint8Array][] = [];
  for await (const r of src.store.list("roomfiles")) {
    files.push([String(r.key[1]), parseRoomFile(r.value).data]);
  }
  const library = String((await Array.fromAsync(src.store.list("roomfiles")))[0].key[0]);
  const hello = (await getSystemMessage(src.store, "hello"))!;
  const banners = (await src.store.stats("sysmsgs")).count;
  await src.store.close();
  let r = await runCli(
    "export",
    "--migr",
    join(root, "export.xml"),
    "--data",
    src.dir,
    "--passwords",
    join(root, "passwords"),
  );
  assert.equal(r.code, 0, r.stderr);
  r = await runCli("import", "--migr", join(root, "export.xml"), "--data", join(root, "new"));
  assert.equal(r.code, 0, r.stderr);
  const target = await Store.open(join(root, "new"));
  assert.equal((await target.stats("sysmsgs")).count, 0, "MIGR carries no banners");
  assert.equal((await target.stats("roomfiles")).count, 0, "nor room files");
  const { server, address } = startServer(target, { sync: false });
  const push = (...extra: string[]) =>
    runCli(
      "push",
      "--to",
      address,
      "--user",
      sysop.name,
      "--password-file",
      join(root, "pw"),
      "--data",
      src.dir,
      ...extra,
    );
  try {
    const before = await CitadelClient.connect(address);
    await before.login(sysop.name, sysop.password);
    await gotoRoom(before, "File Library");
    const rdir = await before.listing("RDIR");
    assert.deepEqual(rdir.lines, [], "nothing there before the push");
    await before.quit();

    r = await push();
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `^pushed ${banners} system messages and ${files.length} room files \\(.*\\) to ${address}; ` +
          `read back identical by MESG, RDIR and OPEN/READ\\n$`,
      ),
    );

    // What a client sees now, as the Aide and as an ordinary user.
    const c = await CitadelClient.connect(address);
    try {
      await c.login(alice.name, alice.password);
      assert.deepEqual(
        (await c.listing("MESG hello")).lines,
        hello.replace(/\n$/, "").replaceAll("^humannode", "Fixture BBS").split("\n"),
      );
      assert.match((await c.listing("MESG goodbye")).lines.join("\n"), /, Alice Tester\./);
      await gotoRoom(c, "File Library");
      const listed = (await c.listing("RDIR")).lines.sort();
      assert.deepEqual(listed, [
        `firmware.bin|150000|application/octet-stream| Firmware image`,
        `readme.txt|26|text/plain| Read me first`,
      ]);
      for (const [name, data] of files) assert.deepEqual(await download(c, name), data, name);
    } finally {
      await c.quit();
    }

    // Again: nothing to send, files already there are kept; the server's own extra banner
    // and file are none of push's business.
    await target.write([
      systemMessageOp("saveopt", " Stock text of the new host.\n"),
      roomFileOp(
        library,
        "theirs.txt",
        { mimetype: "text/plain", description: "", mtime: 0 },
        new Uint8Array(3),
      ),
    ]);
    r = await push();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /and 0 room files .*, 2 files already there; read back identical/);

    // A file with other bytes on the server is not replaced without --force.
    await target.write([roomFileOp(library, "readme.txt", {
      mimetype: "text/plain",
      description: "Read me first",
      mtime: 0,
    }, new TextEncoder().encode("changed on the server\n"))]);
    r = await push();
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /readme\.txt: the server has other bytes; --force replaces them/);
    assert.match(r.stdout, /1 not sent, 1 differ when read back$/m);
    // --force deletes the server's file (DELF) and uploads ours; a server without DELF says so.
    const probe = await CitadelClient.connect(address);
    await probe.login(sysop.name, sysop.password);
    await gotoRoom(probe, "File Library");
    const hasDelf = (await probe.command("DELF no-such-file")).code !== 530;
    await probe.quit();
    r = await push("--force");
    if (hasDelf) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /and 1 room files .*, 1 files already there; read back identical/);
    } else {
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /not sent: DELF library\/readme\.txt: 530 /);
    }

    // EMSG is for Aides: an ordinary user is refused at once, one line, exit 2.
    await Deno.writeTextFile(join(root, "alice"), `${alice.password}\n`);
    r = await runCli(
      ...["push", "--to", address, "--user", alice.name],
      ...["--password-file", join(root, "alice"), "--data", src.dir],
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^ctdlsync: EMSG [a-z]+: .*\n$/);

    // A wrong password is a connection-class refusal: one line, exit 2.
    await Deno.writeTextFile(join(root, "pw"), "wrong\n");
    r = await push();
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^ctdlsync: login refused: /);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  } finally {
    await server.stop(2);
    await target.close();
    await Deno.remove(src.dir, { recursive: true });
    await Deno.remove(root, { recursive: true });
  }
});
