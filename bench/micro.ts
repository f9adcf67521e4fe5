/**
 * The small measurements docs/performance.md and docs/security.md quote, one subcommand each
 * (each prints what it measured; none is a test):
 *
 *   deno run -A --unstable-kv bench/micro.ts hashes            PBKDF2: one, and 70 at 2 / cores+2 / all in flight
 *   deno run -A --unstable-kv bench/micro.ts openssl-pbkdf2    the same PBKDF2 from OpenSSL 3 (FFI), against WebCrypto
 *   deno run -A --unstable-kv bench/micro.ts record-hash       recordHash's JavaScript SHA-256 against node:crypto
 *   deno run -A --unstable-kv bench/micro.ts alloc             a small Uint8Array against a view of a shared buffer
 *   deno run -A --unstable-kv bench/micro.ts worker-start      the import worker: creation to its first message
 *   deno run -A --unstable-kv bench/micro.ts import-cpu FILE   wall and CPU of four imports, hashes stubbed and real
 *   deno run -A --unstable-kv bench/micro.ts import-modes FILE one thread against the worker, alternating
 *
 * A MIGR file to try: `deno run -A --unstable-kv bench/import.ts --shape real --keep`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import process from "node:process";
import { join } from "node:path";
import { importMigrFile } from "../src/app/migr_import.ts";
import { hashesInFlight } from "../src/app/password_hasher.ts";
import { log } from "../src/log.ts";
import { hashPassword } from "../src/store/users.ts";
import { sha256Head64 } from "../src/wire/sha256_small.ts";
import { hashConcurrently } from "./import.ts";

const ms = (t: number) => (performance.now() - t).toFixed(0) + " ms";

async function hashes(): Promise<void> {
  let t = performance.now();
  for (let i = 0; i < 20; i++) await hashPassword(`pw-${i}`);
  console.log(`one hash, alone: ${((performance.now() - t) / 20).toFixed(1)} ms`);
  const pw = Array.from({ length: 70 }, (_, i) => `pw-${i}`);
  const inFlight = async (n: number) => (await hashConcurrently(pw, n)).toFixed(0) + " ms";
  for (let r = 0; r < 3; r++) {
    const two = await inFlight(2);
    const more = await inFlight(hashesInFlight());
    t = performance.now();
    await Promise.all(pw.map((p) => hashPassword(p)));
    console.log(`70 hashes: 2 in flight ${two}, ${hashesInFlight()} ${more}, all ${ms(t)}`);
  }
}

/** PBKDF2-SHA256 (100k) from the system's OpenSSL 3 through FFI, against WebCrypto's. */
async function opensslPbkdf2(): Promise<void> {
  let lib;
  try {
    lib = Deno.dlopen("libcrypto.so.3", {
      EVP_sha256: { parameters: [], result: "pointer" },
      PKCS5_PBKDF2_HMAC: {
        parameters: ["buffer", "i32", "buffer", "i32", "i32", "pointer", "i32", "buffer"],
        result: "i32",
        nonblocking: true,
      },
    });
  } catch (e) {
    console.log(`no libcrypto.so.3 here (${(e as Error).message}): nothing to compare`);
    return;
  }
  const salt = new Uint8Array(16).fill(7);
  const pw = new TextEncoder().encode("password");
  const md = lib.symbols.EVP_sha256();
  const ossl = async () => {
    const out = new Uint8Array(32);
    const ok = await lib.symbols.PKCS5_PBKDF2_HMAC(pw, pw.length, salt, 16, 100_000, md, 32, out);
    if (ok !== 1) throw new Error("PKCS5_PBKDF2_HMAC failed");
    return out;
  };
  const web = async () => {
    const key = await crypto.subtle.importKey("raw", pw, "PBKDF2", false, ["deriveBits"]);
    const params = { name: "PBKDF2", hash: "SHA-256", salt, iterations: 100_000 };
    return new Uint8Array(await crypto.subtle.deriveBits(params, key, 256));
  };
  const same = (await ossl()).toHex() === (await web()).toHex();
  for (const [name, f] of [["OpenSSL (FFI)", ossl], ["WebCrypto", web]] as const) {
    const t = performance.now();
    for (let i = 0; i < 20; i++) await f();
    console.log(`${name}: ${((performance.now() - t) / 20).toFixed(1)} ms a hash`);
  }
  console.log(`same derived key: ${same}`);
  lib.close();
}

function recordHashes(): void {
  const native = (b: Uint8Array) => createHash("sha256").update(b).digest();
  for (const size of [50, 150, 300, 500, 700, 1000]) {
    const b = crypto.getRandomValues(new Uint8Array(size));
    const n = 20000;
    let t = performance.now();
    for (let i = 0; i < n; i++) native(b);
    const a = (performance.now() - t) * 1000 / n;
    t = performance.now();
    for (let i = 0; i < n; i++) sha256Head64([b]);
    const j = (performance.now() - t) * 1000 / n;
    console.log(`${size} bytes: node:crypto ${a.toFixed(2)} µs, JavaScript ${j.toFixed(2)} µs`);
  }
}

function alloc(): void {
  const chunk = new Uint8Array(1 << 20);
  const n = 200000;
  let sum = 0;
  for (let r = 0; r < 3; r++) {
    let t = performance.now();
    for (let i = 0; i < n; i++) sum += new Uint8Array(125).length;
    const own = (performance.now() - t) * 1000 / n;
    t = performance.now();
    for (let i = 0; i < n; i++) sum += new Uint8Array(chunk.buffer, i % 1000, 125).length;
    const view = (performance.now() - t) * 1000 / n;
    console.log(`125 bytes: own buffer ${own.toFixed(2)} µs, view ${view.toFixed(3)} µs`);
  }
  if (sum === 0) console.log("(nothing allocated)");
}

async function workerStart(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const url = new URL("../src/app/migr_worker.ts", import.meta.url).href;
    const w = new Worker(url, { type: "module" });
    await new Promise<void>((ready) => {
      w.onmessage = () => ready();
      w.postMessage({ type: "start" }); // it asks for text: its first message
    });
    console.log(`worker ready in ${ms(t)}`);
    w.terminate();
  }
}

/** Imports `file` into a fresh directory; returns wall seconds and the report. */
async function importOnce(file: string, opts: Parameters<typeof importMigrFile>[2]) {
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-micro-" });
  try {
    const c0 = process.cpuUsage();
    const t = performance.now();
    const report = await importMigrFile(file, join(dir, "data"), opts);
    const c = process.cpuUsage(c0);
    return { wall: (performance.now() - t) / 1000, cpu: (c.user + c.system) / 1e6, report };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function importCpu(file: string): Promise<void> {
  for (const stub of [true, false]) {
    const runs = [];
    for (let i = 0; i < 4; i++) {
      runs.push(await importOnce(file, stub ? { hashPassword: () => Promise.resolve("") } : {}));
    }
    const f = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(" ");
    console.log(
      `${stub ? "hashes stubbed" : "real hashes   "}: wall ${f(runs.map((r) => r.wall))} s` +
        `   CPU ${f(runs.map((r) => r.cpu))} s` +
        (stub ? "" : `   (hashes in it: ${f(runs.map((r) => r.report.hashSeconds))} s)`),
    );
  }
}

async function importModes(file: string): Promise<void> {
  for (let i = 0; i < 2; i++) {
    for (const inThread of [true, false]) {
      const r = await importOnce(file, { inThread });
      console.log(`${inThread ? "one thread" : "worker    "} ${r.wall.toFixed(3)} s`);
    }
  }
}

if (import.meta.main) {
  log.quiet = true;
  const [what, file] = Deno.args;
  const needFile = () => {
    if (!file) throw new Error(`bench/micro.ts ${what} FILE: give a MIGR export`);
    return file;
  };
  const runs: Record<string, () => void | Promise<void>> = {
    hashes,
    "openssl-pbkdf2": opensslPbkdf2,
    "record-hash": recordHashes,
    alloc,
    "worker-start": workerStart,
    "import-cpu": () => importCpu(needFile()),
    "import-modes": () => importModes(needFile()),
  };
  if (!runs[what]) {
    console.error(`usage: bench/micro.ts ${Object.keys(runs).join("|")} [FILE]`);
    Deno.exit(2);
  }
  await runs[what]();
}
