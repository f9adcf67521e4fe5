/**
 * The way back (issue 10, item 4): `export --migr` never writes a password that logs in, says
 * how many accounts need one, takes chosen ones from `--passwords`, and writes the system
 * messages and room files beside the document in Citadel's layout.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { listRoomFiles, readRoomFile } from "../../src/store/room_files.ts";
import { Store } from "../../src/store/store.ts";
import { CitadelClient, fixtureStore, runCli, startServer } from "../_helpers.ts";

const sysop = FIXTURE_USERS.sysop;
const alice = FIXTURE_USERS.alice;

/** The `u_password` written for `name` in a MIGR document. */
function exportedPassword(xml: string, name: string): string {
  for (const user of xml.split("<user>\n").slice(1)) {
    if (user.includes(`<u_fullname>${name}</u_fullname>`)) {
      return /<u_password>([^<]*)<\/u_password>/.exec(user)![1];
    }
  }
  throw new Error(`no user ${name} in the export`);
}

/** The reply code of USER/PASS as `name` with `password` against `address`. */
async function loginCode(address: string, name: string, password: string): Promise<number> {
  const c = await CitadelClient.connect(address);
  try {
    await c.command(`USER ${name}`);
    return (await c.command(`PASS ${password}`)).code;
  } finally {
    await c.quit();
  }
}

Deno.test("way back: exported passwords never log in; --passwords sets chosen ones", async () => {
  const src = await fixtureStore();
  await src.store.close();
  const root = await Deno.makeTempDir({ prefix: "ctdlsync-wayback-" });
  try {
    const xmlPath = join(root, "out", "export.xml");
    await Deno.mkdir(join(root, "out"));
    let r = await runCli("export", "--migr", xmlPath, "--data", src.dir);
    assert.equal(r.code, 0, r.stderr);
    const counted = await Store.open(src.dir);
    const users = (await Array.fromAsync(counted.list("users"))).length;
    await counted.close();
    assert.match(r.stdout, new RegExp(`^${users} accounts need a new password`, "m"));
    const xml = await Deno.readTextFile(xmlPath);
    assert.doesNotMatch(xml, /pbkdf2|u_ctdlsync_password/);
    const value = exportedPassword(xml, sysop.name);
    assert.match(value, /^locked-[A-Za-z0-9_-]{24}$/);
    assert.notEqual(exportedPassword(xml, alice.name), value, "one random value per account");

    // Through a MIGR import into ctdlsync: the exported value is refused, and so is the old
    // password (the export does not carry it).
    r = await runCli("import", "--migr", xmlPath, "--data", join(root, "back"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`; ${users} accounts came without a password`));
    let back = await Store.open(join(root, "back"));
    let srv = startServer(back);
    try {
      assert.notEqual(await loginCode(srv.address, sysop.name, value), 200);
      assert.notEqual(await loginCode(srv.address, sysop.name, sysop.password), 200);
    } finally {
      await srv.server.stop(2);
    }

    // Chosen passwords: those accounts open with them, the rest still need one.
    const pwFile = join(root, "passwords");
    await Deno.writeTextFile(pwFile, `${sysop.name}:brand new pw\n\n${alice.name}:wonderland\n`);
    r = await runCli("export", "--migr", xmlPath, "--data", src.dir, "--passwords", pwFile);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${users - 2} accounts need a new password`, "m"));
    r = await runCli("import", "--migr", xmlPath, "--data", join(root, "back"), "--force");
    assert.equal(r.code, 0, r.stderr);
    back = await Store.open(join(root, "back"));
    srv = startServer(back);
    try {
      assert.equal(await loginCode(srv.address, sysop.name, "brand new pw"), 200);
      assert.equal(await loginCode(srv.address, alice.name, "wonderland"), 200);
      assert.notEqual(await loginCode(srv.address, alice.name, alice.password), 200);
    } finally {
      await srv.server.stop(2);
    }

    // A name the store does not hold, or a password 902 would cut, is one line and exit 1.
    await Deno.writeTextFile(pwFile, `Nobody Here:x\n`);
    r = await runCli("export", "--migr", xmlPath, "--data", src.dir, "--passwords", pwFile);
    assert.match(r.stderr, /^ctdlsync: .*passwords line 1: no user "Nobody Here" in the store\n$/);
    assert.notEqual(r.code, 0);
    await Deno.writeTextFile(pwFile, `${sysop.name}:${"x".repeat(32)}\n`);
    r = await runCli("export", "--migr", xmlPath, "--data", src.dir, "--passwords", pwFile);
    assert.match(r.stderr, /keeps only 31 bytes of a password/);
    assert.equal(r.code, 1);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(src.dir, { recursive: true });
  }
});

Deno.test("way back: export writes messages/ and files/ trees that match the store", async () => {
  const src = await fixtureStore();
  await src.store.close();
  const root = await Deno.makeTempDir({ prefix: "ctdlsync-wayback-" });
  try {
    const r = await runCli("export", "--migr", join(root, "export.xml"), "--data", src.dir);
    assert.equal(r.code, 0, r.stderr);
    const store = await Store.open(src.dir);
    try {
      const names: string[] = [];
      for await (const rec of store.list("sysmsgs")) {
        const name = rec.key[0] as string;
        names.push(name);
        assert.deepEqual(await Deno.readFile(join(root, "messages", name)), rec.value, name);
      }
      assert.ok(names.length > 0, "the fixture has system messages");
      const onDisk = (await Array.fromAsync(Deno.readDir(join(root, "messages")))).map((e) =>
        e.name
      );
      assert.deepEqual(onDisk.sort(), names.sort());

      const dirs = new Set<string>();
      for await (const key of store.keys("roomfiles")) dirs.add(key[0] as string);
      assert.ok(dirs.size > 0, "the fixture has room files");
      for (const dir of dirs) {
        const files = await listRoomFiles(store, dir);
        const base = join(root, "files", dir);
        const listed = (await Array.fromAsync(Deno.readDir(base))).map((e) => e.name).sort();
        assert.deepEqual(listed, [...files.map((f) => f.name), "filedir"].sort());
        const filedir = (await Deno.readTextFile(join(base, "filedir"))).split("\n");
        for (const f of files) {
          const bytes = await Deno.readFile(join(base, f.name));
          assert.deepEqual(bytes, await readRoomFile(store, dir, f.name, 0, f.size));
          assert.ok(
            filedir.includes(`${f.name} ${f.mimetype} ${f.description}`),
            `filedir line of ${f.name}`,
          );
          if (f.mtime > 0) {
            assert.equal((await Deno.stat(join(base, f.name))).mtime!.getTime() / 1000, f.mtime);
          }
        }
      }
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(src.dir, { recursive: true });
  }
});
