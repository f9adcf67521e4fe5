/**
 * `deno task fuzz [--lines N] [--seed S]`: the full session fuzz of issue 12. Serves a fresh
 * fixture store on loopback, sends N seeded command lines from an anonymous, an ordinary and
 * an Aide session, then checks that a fresh login works and that every table's digest (SYNC
 * all|info, and the store's own counters) is what it was. Exit 0 ok, 1 failed, 2 usage,
 * 130 interrupted.
 */
import { parseArgs } from "node:util";
import { digests, fixtureStore, startServer } from "../_helpers.ts";
import { connectAs, fuzzSessions, syncDigests } from "./_sessions.ts";

const USAGE = "usage: deno task fuzz [--lines N] [--seed S]   (defaults: 100000 lines, a new seed)";

function parse(): { lines: number; seed: number } {
  const { values } = parseArgs({
    options: { lines: { type: "string" }, seed: { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const lines = Number(values.lines ?? 100_000);
  const seed = Number(values.seed ?? Date.now() % 2 ** 32);
  if (!Number.isSafeInteger(lines) || lines < 1) throw new Error(`--lines takes a count`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--seed takes a whole number`);
  return { lines, seed };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parse();
  } catch (e) {
    console.error(`fuzz: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const src = await fixtureStore();
  const { server, address } = startServer(src.store);
  const interrupted = () => {
    // Exit at once: the server and its store are this process's, and go with it.
    Deno.removeSync(src.dir, { recursive: true });
    console.error(`\nfuzz: interrupted; nothing left behind (rerun with --seed ${args.seed})`);
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", interrupted);
  const started = Date.now();
  try {
    console.error(`fuzz: ${args.lines} lines, seed ${args.seed}, server ${address}`);
    const wireBefore = await syncDigests(address);
    const storeBefore = await digests(src.store);
    const report = await fuzzSessions(address, {
      ...args,
      onProgress: (done) => {
        if (done % 10_000 === 0) {
          const rate = Math.round(done / ((Date.now() - started) / 1000));
          console.error(`fuzz: ${done}/${args.lines} lines (${rate}/s)`);
        }
      },
    });
    const fresh = await connectAs(address, "user");
    const noop = await fresh.command("NOOP");
    await fresh.quit();
    const wireAfter = await syncDigests(address);
    const storeAfter = await digests(src.store);
    const changed = wireBefore.filter((l, i) => wireAfter[i] !== l);
    const top = [...report.codes].sort((a, b) => b[1] - a[1]).slice(0, 8);
    console.error(
      `fuzz: replies ${top.map(([c, n]) => `${c}×${n}`).join(" ")}; ` +
        `${report.reconnects} sessions ended by the server and reopened; ${report.asked} asked for input`,
    );
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    if (noop.code !== 200) {
      console.log(`fuzz: FAILED: a fresh login then NOOP got ${noop.line} (seed ${args.seed})`);
      return 1;
    }
    if (changed.length > 0 || JSON.stringify(storeBefore) !== JSON.stringify(storeAfter)) {
      console.log(
        `fuzz: FAILED: digests changed (${
          changed.join(", ") || "store counters"
        }), seed ${args.seed}`,
      );
      return 1;
    }
    console.log(
      `fuzz: ok: ${report.lines} of ${args.lines} lines answered in ${secs} s, server up, ` +
        `digests of ${wireAfter.length} tables unchanged (seed ${args.seed})`,
    );
    return 0;
  } catch (e) {
    console.log(`fuzz: FAILED: ${(e as Error).message} (seed ${args.seed})`);
    return 1;
  } finally {
    Deno.removeSignalListener("SIGINT", interrupted);
    await server.stop(2);
    await Deno.remove(src.dir, { recursive: true }).catch(() => {});
  }
}

Deno.exit(await main());
