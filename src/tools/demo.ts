import { pullSummary } from "../client/report.ts";
import { runPull } from "../client/run_pull.ts";
import { log } from "../log.ts";
import { CitadelServer } from "../server/server.ts";
import { Store } from "../store/store.ts";
import { TABLE_NAMES } from "../store/tables.ts";
import { compareStores } from "./compare.ts";
import { loadFixture } from "./load_fixture.ts";
import { generateSystem } from "./seed.ts";

/**
 * The main job, end to end on this machine: a source server on a free loopback port, a
 * pull into a fresh store, the summary, and proof that the two stores are identical.
 */
export async function runDemo(opts: { messages?: number; keep?: boolean }): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-demo-" });
  log.quiet = true;
  const { buildFixture, FIXTURE_USERS } = await loadFixture();
  const source = await Store.open(`${dir}/source`, { create: true });
  if (opts.messages === undefined) {
    console.log("source: the small fixture system");
    await buildFixture(source);
  } else {
    console.log(`source: a generated system with ${opts.messages} messages`);
    await generateSystem(source, {
      users: 50,
      rooms: 20,
      messages: opts.messages,
      files: 10,
      seed: 1,
    });
  }
  const server = new CitadelServer(source, { port: 0 });
  server.start();
  const target = await Store.open(`${dir}/duplicate`, { create: true });
  try {
    console.log(`pulling from 127.0.0.1:${server.port} into ${dir}/duplicate ...`);
    const reports = await runPull(target, {
      from: `127.0.0.1:${server.port}`,
      user: FIXTURE_USERS.sysop.name,
      password: FIXTURE_USERS.sysop.password,
    });
    console.log(pullSummary(reports));
    let same = reports.every((r) => r.verified);
    for (const t of TABLE_NAMES) {
      const [a, b] = [await source.stats(t), await target.stats(t)];
      if (a.count !== b.count || a.digest !== b.digest) same = false;
    }
    const diffs = await compareStores(source, target);
    for (const d of diffs) console.log(`difference: ${d.table} ${d.key}: ${d.why}`);
    same &&= diffs.length === 0;
    console.log(
      same
        ? `identical: ${TABLE_NAMES.length} tables, digests and every record match`
        : "NOT identical: see the differences above",
    );
    return same ? 0 : 3;
  } finally {
    await server.stop(5);
    await target.close();
    if (opts.keep) console.log(`kept: ${dir}/source and ${dir}/duplicate`);
    else await Deno.remove(dir, { recursive: true });
  }
}
