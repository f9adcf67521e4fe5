/**
 * The pull's memory over time: serves a store, pulls it into a fresh directory and prints
 * the pull process's resident memory (VmRSS, split into anonymous and file-backed) and peak
 * (VmHWM) every few seconds, to tell a steady state with a transient peak from memory that
 * grows with the records pulled.
 *
 *   deno task seed --data SRC --users 200 --rooms 50 --messages 1000000 --files 20
 *   deno run -A --unstable-kv bench/rss_trace.ts SRC [--every 5]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { spawnServe } from "../src/tools/serve_process.ts";
import { ctdlsyncArgs } from "../src/tools/run_args.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { every: { type: "string", default: "5" } },
  allowPositionals: true,
});
if (positionals.length !== 1) {
  console.error("usage: bench/rss_trace.ts SOURCE_DIR [--every SECONDS]");
  Deno.exit(2);
}
const work = await Deno.makeTempDir({ prefix: "ctdlsync-rss-" });
const server = await spawnServe(positionals[0]);
try {
  await Deno.writeTextFile(join(work, "pw"), "sysop-pass\n");
  const pull = new Deno.Command(Deno.execPath(), {
    args: ctdlsyncArgs(["pull", "--from", server.address, "--user", "SysOp"]
      .concat(["--password-file", join(work, "pw"), "--data", join(work, "data"), "--json"])),
    stdout: "null",
    stderr: "null",
  }).spawn();
  const started = performance.now();
  const sample = () => {
    try {
      const status = Deno.readTextFileSync(`/proc/${pull.pid}/status`);
      const mib = (f: string) =>
        Math.round(Number(new RegExp(`${f}:\\s+(\\d+)`).exec(status)![1]) / 1024);
      const t = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
      // RssAnon is the heaps (JavaScript, KV's, SQLite's cache); RssFile mapped files.
      console.log(
        `${t} s  rss ${String(mib("VmRSS")).padStart(4)} MiB (anon ${mib("RssAnon")}, file ${
          mib("RssFile")
        })  peak ${mib("VmHWM")} MiB`,
      );
    } catch {
      // the pull has exited
    }
  };
  const timer = setInterval(sample, Number(values.every) * 1000);
  const status = await pull.status;
  clearInterval(timer);
  console.log(
    `pull exited ${status.code} after ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
} finally {
  await server.stop();
  await Deno.remove(work, { recursive: true });
}
