import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { newMessage } from "../../src/message/message.ts";
import { postMessage } from "../../src/store/messages.ts";
import { fixtureStore, loginAs, startServer } from "../_helpers.ts";
import { pullCli } from "../_pull_cli.ts";

Deno.test("pull --dry-run: lists what would move, creates nothing, warns nobody", async () => {
  const src = await fixtureStore();
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-dry-" });
  const { server, address } = startServer(src.store);
  const alice = await loginAs(address, FIXTURE_USERS.alice);
  const pull = (...extra: string[]) => pullCli(address, `${dir}/dst`, extra);
  try {
    const dry = await pull("--dry-run");
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(await Deno.stat(`${dir}/dst`).then(() => true, () => false), false, "no store");
    const total = await Promise.all(
      ["messages", "roomfiles"].map((t) => src.store.stats(t as "messages")),
    );
    assert.match(dry.stdout, new RegExp(`^messages +would-pull +${total[0].count} `, "m"));
    assert.match(dry.stdout, new RegExp(`^roomfiles +would-pull +${total[1].count} `, "m"));
    assert.match(dry.stdout, /^total /m);
    assert.match(
      dry.stdout,
      /^dry run: \d+ records, [\d.]+ MiB would move from .*; nothing written$/m,
    );
    // No single-user mode, not even with --cutover: the logged-in user got no warning and
    // is still there.
    const dryCut = await pull("--dry-run", "--cutover");
    assert.equal(dryCut.code, 0, dryCut.stderr);
    assert.ok(!/single-user/.test(dryCut.stderr), dryCut.stderr);
    assert.equal((await alice.command("NOOP")).line, "200 ok");

    assert.equal((await pull()).code, 0);
    await postMessage(
      src.store,
      ["Lobby"],
      newMessage({ fields: { T: "1700001000", A: "Alice Tester", M: "one more\n" } }),
    );
    const again = await pull("--dry-run", "--json");
    assert.equal(again.code, 0, again.stderr);
    const report = JSON.parse(again.stdout) as {
      dryRun: boolean;
      tables: { table: string; action: string; records: number }[];
    };
    assert.equal(report.dryRun, true);
    const messages = report.tables.find((r) => r.table === "messages")!;
    assert.equal(messages.action, "would-pull");
    assert.equal(messages.records, 1);
    assert.equal(report.tables.find((r) => r.table === "floors")!.action, "skipped");
    // The dry run wrote nothing: the real pull still has that message to move.
    const real = await pull("--json");
    const moved = JSON.parse(real.stdout) as { tables: { table: string; records: number }[] };
    assert.equal(moved.tables.find((r) => r.table === "messages")!.records, 1);
  } finally {
    alice.close();
    await server.stop(2);
    await Deno.remove(src.dir, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});
