/**
 * The measurements `bench/bench.ts` is made of. Each stage runs once per bench run and
 * returns plain numbers; the figure table in bench.ts picks from them.
 */
import { BatchWriter } from "../src/store/batch_writer.ts";
import { prepareOp } from "../src/store/commit.ts";
import { Store, type StoredRecord } from "../src/store/store.ts";
import { TABLE_NAMES, type TableName } from "../src/store/tables.ts";
import { generateSystem } from "../src/tools/seed.ts";
import { spawnServe } from "../src/tools/serve_process.ts";
import { ctdlsyncArgs, MAIN } from "../src/tools/run_args.ts";

/** A generated system: where it is and what it holds. */
export interface Source {
  dir: string;
  messages: number;
  records: number;
  bytes: number;
}

/** Generates a system of `messages` messages (200 users, 50 rooms, 20 files) in `dir`. */
export async function makeSource(dir: string, messages: number, seed: number): Promise<Source> {
  const store = await Store.open(dir, { create: true });
  await generateSystem(store, { users: 200, rooms: 50, messages, files: 20, seed });
  let records = 0;
  let bytes = 0;
  for (const t of TABLE_NAMES) {
    const s = await store.stats(t);
    records += s.count;
    bytes += s.bytes;
  }
  await store.close();
  return { dir, messages, records, bytes };
}

/** Times of one copy of a source, split into reading it and writing it two ways. */
export interface FloorResult {
  records: number;
  readMs: number;
  /** Hashing and key encoding alone (the part of the store's work done per record in JS). */
  prepareMs: number;
  storeMs: number;
  kvMs: number;
  /** kv time / store time of each full segment: robust to bursts of load on the machine. */
  ratios: number[];
}

const SEGMENT = 4000;

/**
 * The store's floor against plain KV: reads the source in segments of a few thousand
 * records and writes each segment twice, through the store (BatchWriter: change log,
 * counters, digests) into one fresh file and as plain batched KV sets (1000 a commit) into
 * another, alternating which goes first so drift on a shared machine hits both alike.
 */
export async function measureFloor(source: Source, root: string): Promise<FloorResult> {
  const src = await Store.open(source.dir);
  const dst = await Store.open(`${root}/floor`, { create: true });
  const kv = await Deno.openKv(`${root}/plain.kv`);
  const out: FloorResult = {
    records: 0,
    readMs: 0,
    prepareMs: 0,
    storeMs: 0,
    kvMs: 0,
    ratios: [],
  };
  try {
    let round = 0;
    for (const table of TABLE_NAMES) {
      const iter = src.list(table)[Symbol.asyncIterator]();
      for (;;) {
        let t0 = performance.now();
        const segment: StoredRecord[] = [];
        for (let r = await iter.next(); !r.done; r = await iter.next()) {
          segment.push(r.value);
          if (segment.length >= SEGMENT) break;
        }
        out.readMs += performance.now() - t0;
        if (segment.length === 0) break;
        out.records += segment.length;
        t0 = performance.now();
        for (const r of segment) prepareCost(table, r);
        out.prepareMs += performance.now() - t0;
        const viaStore = () => timed(() => storeWrite(dst, table, segment));
        const viaKv = () => timed(() => kvWrite(kv, table, segment));
        const first = round++ % 2 === 0;
        const [s, k] = first
          ? [await viaStore(), await viaKv()]
          : [await viaKv(), await viaStore()].reverse();
        out.storeMs += s;
        out.kvMs += k;
        if (segment.length === SEGMENT) out.ratios.push(k / s);
        if (segment.length < SEGMENT) break;
      }
    }
  } finally {
    await src.close();
    await dst.close();
    kv.close();
  }
  return out;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function prepareCost(table: TableName, r: StoredRecord): void {
  prepareOp({ table, key: r.key, value: r.value });
}

async function storeWrite(store: Store, table: TableName, records: StoredRecord[]) {
  const w = new BatchWriter(store);
  for (const r of records) await w.add({ table, key: r.key, value: r.value });
  await w.flush();
}

/** Plain KV: one set a record, 1000 sets or 760 KiB a commit, values over 60 KiB split. */
async function kvWrite(kv: Deno.Kv, table: TableName, records: StoredRecord[]) {
  let atomic = kv.atomic();
  let n = 0;
  let bytes = 0;
  const set = async (key: Deno.KvKey, value: Uint8Array) => {
    if (n >= 1000 || bytes + value.length > 760 * 1024) {
      await atomic.commit();
      atomic = kv.atomic();
      n = 0;
      bytes = 0;
    }
    atomic.set(key, value);
    n++;
    bytes += value.length + 64;
  };
  for (const r of records) {
    const parts = Math.max(1, Math.ceil(r.value.length / (60 * 1024)));
    for (let p = 0; p < parts; p++) {
      await set(["r", table, ...r.key, p], r.value.subarray(p * 60 * 1024, (p + 1) * 60 * 1024));
    }
  }
  await atomic.commit();
}

/** One pull: wall time and the pull process's peak RSS (VmHWM), sampled every 50 ms. */
export interface PullResult {
  ms: number;
  peakMiB: number;
}

/** Starts `ctdlsync serve` on the source and runs `ctdlsync pull` into `target`, `times` times. */
export async function measurePulls(
  source: Source,
  target: string,
  times: number,
  root: string,
): Promise<PullResult[]> {
  const server = await spawnServe(source.dir);
  try {
    const pwFile = `${root}/password`;
    await Deno.writeTextFile(pwFile, "sysop-pass\n");
    const out: PullResult[] = [];
    for (let i = 0; i < times; i++) {
      out.push(
        await runCli([
          "pull",
          "--from",
          server.address,
          "--user",
          "SysOp",
          "--password-file",
          pwFile,
          "--data",
          target,
          "--json",
        ]),
      );
    }
    return out;
  } finally {
    await server.stop();
  }
}

/**
 * Runs `ctdlsync ARGS` as a process; wall time (process start included) and peak RSS.
 * `main`: another checkout's main.ts (the baseline of bench/import.ts).
 */
export async function runCli(args: string[], main = MAIN): Promise<PullResult> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    // Another checkout runs as it was run then: its tasks had no V8 flags.
    args: main === MAIN ? ctdlsyncArgs(args) : ["run", "-A", "--unstable-kv", main, ...args],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let peakKiB = 0;
  const sample = () => {
    try {
      const hwm = /VmHWM:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${child.pid}/status`));
      if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
    } catch {
      // the process has exited
    }
  };
  const timer = setInterval(sample, 50);
  const err = new Response(child.stderr).text();
  const status = await child.status;
  clearInterval(timer);
  const ms = performance.now() - t0;
  if (!status.success) {
    throw new Error(`ctdlsync ${args[0]} failed (${status.code}): ${(await err).slice(-500)}`);
  }
  return { ms, peakMiB: peakKiB / 1024 };
}
