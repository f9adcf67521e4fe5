import assert from "node:assert/strict";
import { runFallbackPull } from "../../src/app/fallback_pull.ts";
import { restoreMacros } from "../../src/app/fallback_macros.ts";
import { expandCitadel } from "../../src/store/system_messages.ts";
import { exportMigr } from "../../src/app/migr_export.ts";
import { Store } from "../../src/store/store.ts";
import { systemMessageOp } from "../../src/store/system_messages.ts";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { CitadelClient, fixtureStore, startServer } from "../_helpers.ts";

const NODE = {
  nodename: "fixture",
  humannode: "Fixture BBS",
  fqdn: "fixture.example.org",
  sysadm: "SysOp",
};
const AS_SYSOP = { ...NODE, username: "SysOp", usernum: "1" };
const anonOf = (raw: string) => expandCitadel(raw, { ...NODE, username: "", usernum: "0" });
const restore = (raw: string) => restoreMacros(expandCitadel(raw, AS_SYSOP), anonOf(raw), AS_SYSOP);

Deno.test("macros: Citadel expands each macro in turn, any case, line by line", () => {
  assert.equal(
    expandCitadel("^HumanNode for ^username (#^usernum)\n^fqdn", AS_SYSOP),
    "Fixture BBS for SysOp (#1)\nfixture.example.org",
  );
  assert.equal(expandCitadel("^variantname", AS_SYSOP), "^variantname", "unknown stays");
});

Deno.test("macros: the user's name as a plain word and as a macro are told apart", () => {
  // The sysadm is the pulling user here: only the logged-out reading tells them apart.
  for (
    const raw of [
      " Thanks for calling ^humannode, ^username.\n Come back soon.\n",
      " Welcome aboard, ^username!\n You are user number ^usernum on ^humannode.\n",
      " Questions go to ^sysadm, not to ^username (user 10 of 1000).\n",
      "^username^username",
      "",
    ]
  ) {
    assert.deepEqual(restore(raw), { raw }, raw);
  }
});

Deno.test("macros: where the name could stand in two places, nothing is guessed", () => {
  const r = restore("Hello SysOp^username.");
  assert.equal(r.raw, null);
  assert.match((r as { why: string }).why, /two places/);
  // Without a logged-out reading a text holding the name cannot be told from a macro...
  assert.equal(restoreMacros("Hi SysOp.", null, AS_SYSOP).raw, null);
  // ...and one without it can.
  assert.deepEqual(restoreMacros("Hi there, Fixture BBS", null, AS_SYSOP), {
    raw: "Hi there, ^humannode",
  });
  // Readings that no macro explains (the text changed between them) are not recovered.
  assert.equal(restoreMacros("Hi SysOp.", "Bye.", AS_SYSOP).raw, null);
});

Deno.test("macros: node values only as whole words, never part of another word", () => {
  assert.deepEqual(restore(" fixtures of fixture at fixture.example.org\n"), {
    raw: " fixtures of ^nodename at ^fqdn\n",
  });
});

const RAW = {
  goodbye: " Thanks for calling ^humannode, ^username.\n Come back soon.\n",
  newuser: " Welcome aboard, ^username!\n You are user number ^usernum on ^humannode.\n",
  // Questions go to the sysadm, who is also the pulling user: a plain word, not ^username.
  register: " Register, ^username: ^sysadm reads it.\n",
  puzzle: " Hello SysOp^username.\n",
};

async function mesgAs(address: string, who: { name: string; password: string } | null) {
  const c = await CitadelClient.connect(address);
  try {
    const num = who ? (await c.login(who.name, who.password)).text.split("|")[5] : "0";
    const goodbye = (await c.listing("MESG goodbye")).lines.join("\n");
    const newuser = (await c.listing("MESG newuser")).lines.join("\n");
    return { num, goodbye, newuser };
  } finally {
    await c.quit();
  }
}

Deno.test("macros: a fallback-pulled duplicate greets each user by their own name", async () => {
  const src = await fixtureStore();
  await src.store.write(Object.entries(RAW).map(([n, t]) => systemMessageOp(n, t)));
  const { server, address } = startServer(src.store, { sync: false, migrExport: exportMigr });
  const root = await Deno.makeTempDir({ prefix: "ctdlsync-macros-" });
  try {
    const { sysop } = FIXTURE_USERS;
    const reports = await runFallbackPull(`${root}/data`, {
      from: address,
      user: sysop.name,
      password: sysop.password,
    });
    const sysmsgs = reports.find((r) => r.table === "sysmsgs")!;
    assert.ok(sysmsgs.verified);
    assert.match(sysmsgs.note!, /kept as shown \(not certain\): puzzle$/);

    const copy = await Store.open(`${root}/data`);
    const text = async (n: string) => new TextDecoder().decode((await copy.get("sysmsgs", [n]))!);
    for (const n of ["goodbye", "newuser", "register"] as const) {
      assert.equal(await text(n), RAW[n]);
    }
    assert.equal(await text("puzzle"), " Hello SysOpSysOp.\n", "kept as SysOp saw it");
    const dup = startServer(copy, { sync: false });
    try {
      for (const who of [FIXTURE_USERS.alice, FIXTURE_USERS.bob]) {
        const seen = await mesgAs(dup.address, who);
        assert.equal(
          seen.goodbye,
          ` Thanks for calling Fixture BBS, ${who.name}.\n Come back soon.`,
        );
        assert.equal(
          seen.newuser,
          ` Welcome aboard, ${who.name}!\n You are user number ${seen.num} on Fixture BBS.`,
        );
        assert.notEqual(seen.num, "1");
        // The duplicate answers as its source does.
        assert.deepEqual(seen, await mesgAs(address, who));
      }
      const anon = await mesgAs(dup.address, null);
      assert.equal(anon.goodbye, " Thanks for calling Fixture BBS, .\n Come back soon.");
    } finally {
      await dup.server.stop(2);
      await copy.close();
    }
  } finally {
    await server.stop(2);
    await src.cleanup();
    await Deno.remove(root, { recursive: true });
  }
});
