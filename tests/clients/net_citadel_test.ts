import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { getUser } from "../../src/store/users.ts";
import { fixtureStore, startServer } from "../_helpers.ts";

const PROBE = fileURLToPath(new URL("./net_citadel_probe.pl", import.meta.url));

/** True when `perl -MNet::Citadel` works; in CI its absence is a failure, not a skip. */
async function haveNetCitadel(): Promise<boolean> {
  let ok = false;
  try {
    const out = await new Deno.Command("perl", {
      args: ["-MNet::Citadel", "-e1"],
      stdout: "null",
      stderr: "null",
    }).output();
    ok = out.success;
  } catch {
    ok = false;
  }
  if (!ok) {
    if (Deno.env.get("CI") === "true") {
      throw new Error("perl with Net::Citadel (libnet-citadel-perl) is required in CI");
    }
    console.warn("skipping: perl -MNet::Citadel -e1 failed (install libnet-citadel-perl)");
  }
  return ok;
}

/** The probe's output: each line split at tabs, grouped by its first field. */
function records(stdout: string): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const [kind, ...rest] = line.split("\t");
    if (!out.has(kind)) out.set(kind, []);
    out.get(kind)!.push(rest);
  }
  return out;
}

const HAVE_NET_CITADEL = await haveNetCitadel();

Deno.test({
  name:
    "Net::Citadel (real Perl client): login, info, time, echo, floors, rooms, GOTO, read, admin",
  ignore: !HAVE_NET_CITADEL,
  fn: async () => {
    const src = await fixtureStore();
    const { server, address } = startServer(src.store);
    try {
      const [host, port] = address.split(":");
      const { alice, sysop } = FIXTURE_USERS;
      const out = await new Deno.Command("perl", {
        args: [PROBE, host, port, alice.name, alice.password, sysop.name, sysop.password],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      assert.ok(out.success, `probe failed (${out.code}):\n${stdout}\n${stderr}`);
      const r = records(stdout);
      assert.deepEqual(r.get("LOGIN"), [["ok"]]);

      const info = r.get("INFO")!.map((f) => f[0]);
      assert.equal(info.length, 25);
      assert.equal(info[1], "fixture");
      assert.equal(info[2], "Fixture BBS");
      // citadel_time's greedy match returns "now|gmtoff".
      const [now] = r.get("TIME")![0][0].split("|");
      assert.ok(Math.abs(Number(now) - Date.now() / 1000) < 120, `TIME ${now}`);
      assert.deepEqual(r.get("ECHO"), [["1"]], "citadel_echo saw its message come back");

      // LFLR: exactly num|name|count, or the module's greedy regex shifts the fields.
      assert.deepEqual(r.get("FLOOR"), [
        ["0", "Main Floor", "12"],
        ["1", "Upstairs", "2"],
        ["2", "Archive", "1"],
      ]);
      const rooms = r.get("ROOM")!;
      const onFloor = (f: string) => rooms.filter((x) => x[0] === f).map((x) => x[1]);
      assert.deepEqual(onFloor("Main Floor"), [
        "Mail",
        "Calendar",
        "Contacts",
        "File Library",
        "Inner Circle",
        "Lobby",
        "Trashcan",
      ]);
      assert.deepEqual(onFloor("Upstairs"), ["Upstairs Lounge"]);
      assert.deepEqual(onFloor("Archive"), ["Old Stuff"]);
      // The module's keys are mislabelled; by position, field 6 is the UA bits (KNOWN set).
      const lobby = rooms.find((x) => x[1] === "Lobby")!;
      assert.equal(Number(lobby[6]) & 2, 2);

      const gotoFields = r.get("GOTO")![0][0];
      assert.match(gotoFields, /^200 Lobby\|1\|4\|/, "GOTO without a trailing |");
      const msgs = r.get("MSGS")![0][0];
      assert.match(msgs, /^1/, `MSGS must list the Lobby's messages, not answer ${msgs}`);
      const nums = r.get("MSGNUM")!.map((f) => Number(f[0]));
      assert.equal(nums.length, 4, "the Lobby's four messages");
      const reads = r.get("MSG0")!;
      assert.equal(reads.length, 3);
      for (const [, reply] of reads) assert.match(reply, /^100 /);
      const first = r.get("MSGLINE")!.filter((f) => Number(f[0]) === nums[0]).map((f) => f[1]);
      assert.ok(first.includes("text"), first.join("\n"));
      assert.ok(first.includes("Welcome to the fixture BBS."), first.join("\n"));
      assert.deepEqual(r.get("LOGOUT"), [["ok"]]);

      // The Aide part: floors, rooms and users through the module's own methods.
      assert.deepEqual(r.get("ASSERT_FLOOR"), [["ok"]]);
      assert.deepEqual(r.get("ASSERT_ROOM"), [["ok"]]);
      assert.deepEqual(r.get("PERL_ROOM"), [["Perl Room"]]);
      assert.deepEqual(r.get("CHANGE_USER"), [["ok"]]);
      assert.deepEqual(r.get("PERL_USER_LOGIN"), [["ok"]]);
      assert.deepEqual(r.get("FLOOR_AFTER")!.map((f) => f[0]), [
        "Main Floor",
        "Upstairs",
        "Archive",
        "Perl Floor",
      ], "retract_floor removed the empty floor");
      assert.deepEqual(r.get("REMOVE_USER"), [["ok"]]);
      assert.deepEqual(r.get("DONE"), [["ok"]]);
      assert.equal(await getUser(src.store, "Perl User"), null, "remove_user deleted it");
    } finally {
      await server.stop(2);
      await Deno.remove(src.dir, { recursive: true });
    }
  },
});
