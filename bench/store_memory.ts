/**
 * Where the pull's memory goes: writes N 1 KiB records through BatchWriter into a fresh
 * store and prints resident memory every 50,000 records (anonymous, file-backed, peak) with
 * the JavaScript heap beside it, and at the end the write rate.
 *
 *   deno run -A --unstable-kv bench/store_memory.ts [250000]
 */
import { BatchWriter } from "../src/store/batch_writer.ts";
import { Store } from "../src/store/store.ts";

const n = Number(Deno.args[0] ?? 250_000);
const dir = await Deno.makeTempDir({ prefix: "ctdlsync-mem-" });
const store = await Store.open(dir, { create: true });
const writer = new BatchWriter(store);
const value = new Uint8Array(1000).fill(65);
const mib = (kib: string) => (Number(kib) / 1024).toFixed(0).padStart(5);

function report(records: number): void {
  const status = Deno.readTextFileSync("/proc/self/status");
  const field = (name: string) => mib(new RegExp(`${name}:\\s+(\\d+)`).exec(status)![1]);
  const heap = (Deno.memoryUsage().heapUsed / 1048576).toFixed(0).padStart(5);
  console.log(
    `${String(records).padStart(8)} records: anon ${field("RssAnon")} MiB  file ${
      field("RssFile")
    } MiB` +
      `  peak ${field("VmHWM")} MiB  JS heap ${heap} MiB`,
  );
}

const started = performance.now();
for (let i = 0; i < n; i++) {
  await writer.add({ table: "messages", key: [i], value });
  if (i % 50_000 === 0) report(i);
}
await writer.flush();
report(n);
const seconds = (performance.now() - started) / 1000;
console.log(`${n} records in ${seconds.toFixed(2)} s: ${Math.round(n / seconds)} records/s`);
await store.close();
await Deno.remove(dir, { recursive: true });
