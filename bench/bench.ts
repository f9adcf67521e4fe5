/**
 * `deno task bench`: how fast a pull is next to the store's own floor, measured in one run.
 *
 *   deno task bench [--messages 100000] [--small 20000] [--seed 1] [--keep]
 *
 * 1. Generates a system (source store).
 * 2. Floor: copies every record of the source into a fresh store in this process (list +
 *    batched writes: the same store work a pull does, without the wire).
 * 3. Pull: a `ctdlsync serve` subprocess on the source, a `ctdlsync pull` subprocess into an
 *    empty store; wall time and the pull process's peak RSS (VmHWM).
 * 4. Rerun of the pull with nothing changed.
 * 5. The same pull for a smaller system, to show whether memory grows with size.
 * Prints ratios from this one run; targets: pull/floor <= 1.5, rerun < 1 s, peak memory
 * flat in system size.
 */
import { parseArgs } from "node:util";
import { log } from "../src/log.ts";
import { BatchWriter } from "../src/store/batch_writer.ts";
import { Store } from "../src/store/store.ts";
import { TABLE_NAMES } from "../src/store/tables.ts";
import { generateSystem } from "../src/tools/seed.ts";
import { spawnServe } from "../src/tools/serve_process.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    messages: { type: "string", default: "100000" },
    small: { type: "string" },
    seed: { type: "string", default: "1" },
    keep: { type: "boolean", default: false },
  },
});
const messages = Number(values.messages);
const small = Number(values.small ?? Math.max(1000, Math.floor(messages / 5)));
log.quiet = true;
const root = await Deno.makeTempDir({ prefix: "ctdlsync-bench-" });
const main = new URL("../main.ts", import.meta.url).pathname;

async function makeSource(dir: string, n: number): Promise<{ records: number; bytes: number }> {
  const store = await Store.open(dir, { create: true });
  await generateSystem(store, {
    users: 200,
    rooms: 50,
    messages: n,
    files: 20,
    seed: Number(values.seed),
  });
  let records = 0;
  let bytes = 0;
  for (const t of TABLE_NAMES) {
    const s = await store.stats(t);
    records += s.count;
    bytes += s.bytes;
  }
  await store.close();
  return { records, bytes };
}

async function floorCopy(from: string, to: string): Promise<number> {
  const src = await Store.open(from);
  const dst = await Store.open(to, { create: true });
  const t0 = performance.now();
  for (const table of TABLE_NAMES) {
    const w = new BatchWriter(dst);
    for await (const rec of src.list(table)) await w.add({ table, key: rec.key, value: rec.value });
    await w.flush();
  }
  const ms = performance.now() - t0;
  await src.close();
  await dst.close();
  return ms;
}

async function withServer<T>(dataDir: string, fn: (address: string) => Promise<T>): Promise<T> {
  const server = await spawnServe(dataDir);
  try {
    return await fn(server.address);
  } finally {
    await server.stop();
  }
}

/** Runs `ctdlsync pull` as a subprocess; wall time and its peak resident memory. */
async function timedPull(
  address: string,
  dataDir: string,
): Promise<{ ms: number; peakMiB: number; anonMiB: number }> {
  const pwFile = `${root}/password`;
  await Deno.writeTextFile(pwFile, "sysop-pass\n");
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-kv",
      main,
      "pull",
      "--from",
      address,
      "--user",
      "SysOp",
      "--password-file",
      pwFile,
      "--data",
      dataDir,
      "--json",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let peakKiB = 0;
  let peakAnonKiB = 0;
  const sample = setInterval(() => {
    try {
      const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      const hwm = /VmHWM:\s+(\d+)/.exec(status);
      const anon = /RssAnon:\s+(\d+)/.exec(status);
      if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
      if (anon) peakAnonKiB = Math.max(peakAnonKiB, Number(anon[1]));
    } catch {
      // exited
    }
  }, 50);
  const status = await child.status;
  clearInterval(sample);
  const ms = performance.now() - t0;
  if (!status.success) {
    const err = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    throw new Error(`pull failed (${status.code}): ${err}`);
  }
  return { ms, peakMiB: peakKiB / 1024, anonMiB: peakAnonKiB / 1024 };
}

const fmt = (n: number, d = 1) => n.toFixed(d);
console.log(
  `ctdlsync bench: ${messages} messages (memory check at ${small}); Deno ${Deno.version.deno}`,
);

const big = await makeSource(`${root}/source`, messages);
console.log(`source: ${big.records} records, ${fmt(big.bytes / 1e6)} MB`);
const floorMs = await floorCopy(`${root}/source`, `${root}/floor`);
const pulled = await withServer(`${root}/source`, async (address) => {
  const first = await timedPull(address, `${root}/pulled`);
  const rerun = await timedPull(address, `${root}/pulled`);
  return { first, rerun };
});
const smallSrc = await makeSource(`${root}/source-small`, small);
const smallPull = await withServer(
  `${root}/source-small`,
  (address) => timedPull(address, `${root}/pulled-small`),
);

const rows = [
  [
    "floor: local copy into a fresh store",
    `${fmt(floorMs / 1000, 2)} s`,
    `${fmt(big.records / (floorMs / 1000), 0)} rec/s`,
    `${fmt(big.bytes / 1e6 / (floorMs / 1000))} MB/s`,
  ],
  [
    "pull over loopback",
    `${fmt(pulled.first.ms / 1000, 2)} s`,
    `${fmt(big.records / (pulled.first.ms / 1000), 0)} rec/s`,
    `${fmt(big.bytes / 1e6 / (pulled.first.ms / 1000))} MB/s`,
  ],
  ["rerun, nothing changed", `${fmt(pulled.rerun.ms / 1000, 2)} s`, "", ""],
];
for (const r of rows) {
  console.log(`${r[0].padEnd(40)} ${r[1].padStart(10)} ${r[2].padStart(14)} ${r[3].padStart(12)}`);
}
console.log(`ratio pull/floor:            ${fmt(pulled.first.ms / floorMs, 2)}  (target <= 1.5)`);
console.log(
  `rerun wall time (process):   ${
    fmt(pulled.rerun.ms / 1000, 2)
  } s  (target < 1 s; includes Deno start-up)`,
);
console.log(
  `peak memory of pull:         ${fmt(pulled.first.peakMiB)} MiB at ${big.records} records, ${
    fmt(smallPull.peakMiB)
  } MiB at ${smallSrc.records} records`,
);
console.log(
  `peak anonymous memory:       ${fmt(pulled.first.anonMiB)} MiB at ${big.records} records, ${
    fmt(smallPull.anonMiB)
  } MiB at ${smallSrc.records} records (RSS less file-backed pages of the KV file)`,
);
console.log(
  `memory ratio (big/small):    ${
    fmt(pulled.first.peakMiB / smallPull.peakMiB, 2)
  }  (flat is ~1; size ratio ${fmt(big.records / smallSrc.records, 1)})`,
);
if (values.keep) console.log(`kept: ${root}`);
else await Deno.remove(root, { recursive: true });
