/**
 * The answers WebCit 902 needs (issue 10): each is held to the real 902's reply recorded in
 * replies-all-verbs.txt (by its line number there), or to the exact reply the issue quotes.
 * The server is loaded from the same data set as the recording.
 */
import assert from "node:assert/strict";
import { CitadelClient } from "../../src/client/connection.ts";
import { sharedFile, startServer, tempStore } from "../_helpers.ts";
import { EXPORT, loadRealSystem } from "../migr/_real.ts";
import { exceptionRules, roomsWithBanner } from "./_exceptions.ts";
import { Bindings, parseGolden } from "./_golden.ts";

const GOLDEN = sharedFile("fixtures/real-citadel-902/small/replies-all-verbs.txt");

/** The command and reply recorded at `line` of the golden file. */
function recorded(line: number): { command: string; reply: string[] } {
  const steps = parseGolden(Deno.readTextFileSync(GOLDEN!));
  const step = steps.find((s) => s.at === line);
  if (!step || step.kind !== "client") throw new Error(`no client line at ${line}`);
  return { command: step.line, reply: step.expect.map((e) => e.line) };
}

/** Reads one reply: a line, or a listing to its 000. */
async function reply(c: CitadelClient, command: string): Promise<string[]> {
  const first = await c.command(command);
  if (first.code >= 100 && first.code < 200) return [first.line, ...await c.readListing(), "000"];
  return [first.line];
}

/** Sends the recorded command of `line` and holds the reply to 902's. */
async function same(c: CitadelClient, line: number, adjust?: (want: string[]) => string[]) {
  const { command, reply: want0 } = recorded(line);
  const want = adjust ? adjust(want0) : want0;
  const got = await reply(c, command);
  const b = new Bindings();
  const ok = want.length === got.length && want.every((w, i) => b.match(w, got[i]));
  assert.ok(
    ok,
    `${command} (line ${line})\n want: ${JSON.stringify(want)}\n got:  ${JSON.stringify(got)}`,
  );
}

async function withRealServer(fn: (address: string) => Promise<void>) {
  const t = await tempStore();
  await loadRealSystem(t.store);
  const { server, address } = startServer(t.store);
  try {
    await fn(address);
  } finally {
    await server.stop(2);
    await t.cleanup();
  }
}

async function admin(address: string): Promise<CitadelClient> {
  const c = await CitadelClient.connect(address);
  await c.login("admin", "adminpw");
  return c;
}

Deno.test({
  name: "webcit: ICAL, GVSN, GVEA, RBIO, CHEK, OIMG, DLRI answer as 902 does",
  ignore: !GOLDEN,
  async fn() {
    await withRealServer(async (address) => {
      const c = await CitadelClient.connect(address);
      // Right after IDEN WebCit sends ICAL sgi|1; the issue quotes 902's answer.
      assert.equal((await c.command("ICAL sgi|1")).line, "200 1");
      await c.login("admin", "adminpw");
      await same(c, 85); // CHEK, with the user's address
      await same(c, 2625); // ICAL test
      await same(c, 1656); // GVSN
      await same(c, 1660); // GVEA
      await same(c, 1599); // RBIO of a bio from the data set
      await same(c, 1607); // RBIO of no one
      await same(c, 1543); // OIMG without a name
      await same(c, 2629); // DLRI of a room without a picture
      await same(c, 2627); // DLUI of a user without a picture
      await c.quit();
    });
  },
});

Deno.test({
  name: "webcit: GETA, GPEX, WHOK, GNET and GVDN for the room editor",
  ignore: !GOLDEN,
  async fn() {
    await withRealServer(async (address) => {
      const c = await admin(address);
      assert.equal((await c.command("GOTO Lobby")).code, 200);
      for (const line of [2581, 2583, 2585, 2587]) await same(c, line); // GPEX room..site
      assert.equal((await c.command("GOTO Computers")).code, 200);
      await same(c, 2192); // GETA: no room aide
      // WHOK of the Lobby, with the user the recording had renamed by then.
      assert.equal((await c.command("CREU Harvest Created|createdpw")).code, 200);
      assert.equal((await c.command("RENU Harvest Created|Harvest Renamed")).code, 200);
      assert.equal((await c.command("GOTO Lobby")).code, 200);
      await same(c, 1627);
      // GNET: the room's network settings (none) for the Aide, a refusal for others.
      const gnet = await reply(c, "GNET");
      assert.match(gnet[0], /^100 Network settings for room #\d+ <Lobby>$/);
      assert.deepEqual(gnet.slice(1), ["000"]);
      const kofi = await CitadelClient.connect(address);
      await kofi.login("Kofi Underwood", "pw-kofiunde-5199");
      await same(kofi, 2204);
      // GVDN: 902's cmd_gvdn lists the site's FQDN first.
      assert.deepEqual(await reply(kofi, "GVDN"), [
        "100 Valid Domains",
        "fixturebbs.example.org",
        "000",
      ]);
      await kofi.quit();
      await c.quit();
    });
  },
});

Deno.test({
  name: "webcit: GTSN without a visit, CONF GET defaults, RWHO with IDEN's host",
  ignore: !GOLDEN,
  async fn() {
    await withRealServer(async (address) => {
      const c = await admin(address);
      // A room the Aide never entered: CRE8 with avoid_access, a transient GOTO.
      assert.equal((await c.command("CRE8 1|Never Visited|0||0|1")).code, 200);
      assert.equal((await c.command("GOTO Never Visited||1")).code, 200);
      assert.equal((await c.command("GTSN")).line, "200 *:0", "902's answer (issue 10)");
      // CONF GET: every line as 902's, but for the server's uid (host-specific).
      const uid = exceptionRules(roomsWithBanner(Deno.readTextFileSync(EXPORT!)))
        .find((r) => r.name === "server uid")!;
      const got = await reply(c, "CONF GET");
      await same(c, 2274, (want) => uid.apply("CONF GET", want, got, (t) => t) ?? want);
      // RWHO shows the host the client named in IDEN (and RWHO is no "last command").
      const iden = parseGolden(Deno.readTextFileSync(GOLDEN!))
        .find((st) => st.kind === "client" && st.line.startsWith("IDEN 0|0|902|"));
      const command = iden?.kind === "client" ? iden.line : "";
      assert.equal((await c.command(command)).code, 200);
      assert.equal((await c.command("GOTO Lobby")).code, 200);
      assert.equal((await c.command("ECHO ")).code, 200);
      const rows = (await reply(c, "RWHO")).slice(1, -1);
      const want = recorded(2702).reply.find((l) => l.includes("|admin|"))!;
      assert.ok(new Bindings().match(want, rows[0]), `${rows[0]} vs ${want}`);
      await c.quit();
    });
  },
});
