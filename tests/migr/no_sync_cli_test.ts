/**
 * The whole round trip through the real CLI against `ctdlsync serve --no-sync` processes,
 * which answer like a stock Citadel (530 to SYNC): pull, verify, export, MIGR import, push.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { spawnServe } from "../../src/tools/serve_process.ts";
import { CitadelClient, gotoRoom, runCli } from "../_helpers.ts";

const { sysop, bob } = FIXTURE_USERS;

Deno.test("no SYNC, real CLI: pull, verify, the way back with push", async () => {
  const root = await Deno.makeTempDir({ prefix: "ctdlsync-nosync-" });
  const at = (p: string) => join(root, p);
  const login = ["--user", sysop.name, "--password-file", at("pw")];
  await Deno.writeTextFile(at("pw"), `${sysop.password}\n`);
  await Deno.writeTextFile(
    at("pws"),
    `${sysop.name}:${sysop.password}\n${bob.name}:${bob.password}\n`,
  );
  let r = await runCli("seed", "--data", at("src"), "--fixture", "small");
  assert.equal(r.code, 0, r.stderr);
  const src = await spawnServe(at("src"), { args: ["--no-sync"] });
  try {
    r = await runCli("pull", "--from", src.address, ...login, "--data", at("dup"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /does not speak SYNC/);
    r = await runCli("verify", "--from", src.address, ...login, "--data", at("dup"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /does not speak SYNC: comparing its MIGR export, MESG and room files/);
    assert.match(
      r.stdout,
      /^identical: compared .* from the MIGR export, system messages by MESG, room files by RDIR and OPEN\/READ; not compared: usetable, roominfo /,
    );
    assert.equal(r.stdout.split("\n").length, 2, "one line");
  } finally {
    await src.stop();
  }

  // The way back: export, MIGR import on the new host, push over the wire.
  await Deno.mkdir(at("out"));
  r = await runCli(
    "export",
    "--migr",
    at("out/export.xml"),
    "--data",
    at("dup"),
    "--passwords",
    at("pws"),
  );
  assert.equal(r.code, 0, r.stderr);
  r = await runCli("import", "--migr", at("out/export.xml"), "--data", at("new"));
  assert.equal(r.code, 0, r.stderr);
  const target = await spawnServe(at("new"), { args: ["--no-sync"] });
  try {
    r = await runCli("push", "--to", target.address, ...login, "--data", at("dup"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^pushed 7 system messages and 2 room files .* read back identical/);
    const c = await CitadelClient.connect(target.address);
    try {
      await c.login(bob.name, bob.password);
      assert.match((await c.listing("MESG goodbye")).lines.join("\n"), /, Bob Builder\./);
      await gotoRoom(c, "File Library");
      assert.equal((await c.listing("RDIR")).lines.length, 2);
    } finally {
      await c.quit();
    }
  } finally {
    await target.stop();
    await Deno.remove(root, { recursive: true });
  }
});
