/**
 * Import speed: a generator of MIGR documents of a given size or shape, and the measure of
 * `import --migr` against plain reading and parsing of the same file and against the
 * document's password hashes done concurrently (issue 13's targets: import >= 10 MB/s, and
 * a 70-user / 3,300-message document within 1.5x of its hashes).
 *
 *   deno run -A --unstable-kv bench/import.ts [--mb 50] [--users 200] [--shape real] [--file F] [--seed 1]
 *     [--baseline REV|none] [--keep] [--both]
 *
 * `--both` prints {@link runImportBench}'s figures (what `bench/bench.ts` shows).
 *
 * `--shape real` is the shape of the real system issue 13 measured (70 users with clear
 * passwords, 596 rooms, 3,300 messages, about 3.4 MB); otherwise `--mb` sets the size.
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { join } from "node:path";
import { fileText, importMigrFile } from "../src/app/migr_import.ts";
import { cores } from "../src/app/limiter.ts";
import { hashesInFlight } from "../src/app/password_hasher.ts";
import { log } from "../src/log.ts";
import { encodeCitadelBase64 } from "../src/message/base64.ts";
import { newMessage, serializeMessage } from "../src/message/message.ts";
import { el, floorToMigr, messageToMigr, roomToMigr, userToMigr } from "../src/migr/fields.ts";
import { readMigrRecords } from "../src/migr/xml_reader.ts";
import { AxLevel, RoomFlag } from "../src/schema/flags.ts";
import { withDefaults } from "../src/schema/record.ts";
import { FLOOR, ROOM, USER } from "../src/schema/records.ts";
import { hashPassword } from "../src/store/users.ts";
import { prng } from "../src/tools/prng.ts";
import { measureFloor, runCli } from "./stages.ts";

/** What to generate: counts, or a size the messages are added until. */
export interface MigrDocOptions {
  users?: number;
  rooms?: number;
  /** Messages to write; with `bytes`, at least this many. */
  messages?: number;
  /** Approximate document size in bytes: messages are added until it is reached. */
  bytes?: number;
  /** Body size of each message, in bytes (default 800, about 902's average). */
  bodyBytes?: number;
  seed?: number;
}

/** The shape of the real Citadel system issue 13 measured (3.4 MB of MIGR export). */
export const REAL_SHAPE: MigrDocOptions = {
  users: 70,
  rooms: 596,
  messages: 3300,
  // Bodies of 400 bytes make the document 3.5 MB, the size of that system's export.
  bodyBytes: 400,
};

const WORDS = "citadel room floor message user aide mail calendar note the a of and to in is"
  .split(" ");

/**
 * Streams a MIGR document as Citadel 902 writes it: config, users with clear-text passwords
 * (as 902 exports them), rooms with their message lists, floors, then messages.
 */
export async function* generateMigrDocument(opts: MigrDocOptions = {}): AsyncGenerator<string> {
  const rnd = prng(opts.seed ?? 1);
  const users = opts.users ?? 200;
  const rooms = opts.rooms ?? 50;
  const body = opts.bodyBytes ?? 800;
  const bytesWanted = opts.bytes ?? 0;
  const text = (n: number) => {
    let s = "";
    while (s.length < n) s += WORDS[Math.floor(rnd() * WORDS.length)] + " ";
    return s.slice(0, n);
  };
  // Messages per room are decided up front, so the room lists (written before the messages,
  // as 902 does) name exactly the messages that follow.
  const perMessage = Math.round(body * 1.37) + 400;
  const count = Math.max(opts.messages ?? 0, Math.ceil(bytesWanted / perMessage));
  yield `<?xml version="1.0" encoding="UTF-8" ?>\n<citadel_migrate_data>\n` + el("version", 902);
  yield `<config key="c_fqdn">bench.example.org</config>\n` +
    `<config key="MMhighest">${count}</config>\n<config key="MMnextuser">${users}</config>\n` +
    `<config key="MMnextroom">${rooms}</config>\n`;
  for (let u = 1; u <= users; u++) {
    // 902 exports clear-text passwords: each is hashed on import.
    const user = withDefaults(USER, {
      usernum: u,
      fullname: `Bench User ${u}`,
      axlevel: u === 1 ? AxLevel.AIDE : AxLevel.NETWORK,
      lastcall: 1_700_000_000,
    });
    yield userToMigr(user, `pw-${u}-${Math.floor(rnd() * 1e9)}`);
  }
  for (let r = 0; r < rooms; r++) {
    const room = withDefaults(ROOM, {
      name: r === 0 ? "Lobby" : `Bench Room ${r}`,
      number: r + 1,
      gen: 1_700_000_000,
      mtime: 1_700_000_000,
      flags: RoomFlag.INUSE | RoomFlag.PERMANENT,
      highest: count,
    });
    let list = "";
    for (let m = r + 1; m <= count; m += rooms) list += `${m}\n`;
    yield roomToMigr(room) +
      `<room_messages><FRname>${room.name}</FRname>\n<FRmsglist>${list}</FRmsglist>\n` +
      `</room_messages>\n`;
  }
  yield floorToMigr(0, withDefaults(FLOOR, { flags: 1, name: "Main Floor", refcount: rooms }));
  let piece = "";
  for (let m = 1; m <= count; m++) {
    const bytes = serializeMessage(newMessage({
      fields: {
        I: `${m}@bench.example.org`,
        T: String(1_700_000_000 + m),
        A: `Bench User ${1 + (m % users)}`,
        O: m % rooms === 1 ? "Lobby" : `Bench Room ${(m - 1) % rooms}`,
        N: "bench",
        U: text(30),
        M: text(body),
      },
    }));
    piece += messageToMigr(m, {
      refcount: 1,
      rfc822_length: bytes.length,
      content_type: "text/x-citadel-variformat",
    }, encodeCitadelBase64(bytes));
    if (piece.length > 256 * 1024) {
      yield piece;
      piece = "";
    }
  }
  yield piece + `</citadel_migrate_data>\n<progress>100</progress>\n`;
}

/** Writes a generated document to `path`; returns its size in bytes. */
export async function writeMigrDocument(path: string, opts: MigrDocOptions): Promise<number> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const w = file.writable.getWriter();
  const enc = new TextEncoder();
  let size = 0;
  for await (const piece of generateMigrDocument(opts)) {
    const b = enc.encode(piece);
    size += b.length;
    await w.write(b);
  }
  await w.close();
  return size;
}

/** What {@link measureImport} found. */
export interface ImportFigures {
  mb: number;
  /** Reading and parsing the document alone (readMigrRecords), MB/s. */
  parse_mb_s: number;
  /** `import --migr` of the document into a fresh store, MB/s. */
  import_mb_s: number;
  import_s: number;
  /** The document's clear-text passwords hashed concurrently, as many at once as the import. */
  passwords: number;
  hash_s: number;
  /** import_s / hash_s: how close the import is to its hash-bound floor. */
  hash_ratio: number;
  /**
   * CPU seconds (every thread of this process) of the counted import and of the hashes
   * alone: divided by the cores, the least wall time that much work can take here.
   */
  cpu_s: number;
  hash_cpu_s: number;
  /** The import's records written again as plain batched KV sets (its store floor), s. */
  kv_s: number;
  /** `ctdlsync import` as a process, and the baseline revision's, on the same file (s). */
  process_s?: number;
  baseline_s?: number;
}

/** CPU seconds this process (all its threads) spent since `start` (process.cpuUsage()). */
function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

/**
 * Hashes `passwords` as the import does, `inFlight` at once (default: as many as the
 * import); returns the wall time in ms.
 */
export async function hashConcurrently(
  passwords: readonly string[],
  inFlight = hashesInFlight(),
): Promise<number> {
  const t = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < passwords.length) await hashPassword(passwords[next++]);
  }));
  return performance.now() - t;
}

/** The code when issue 13 was filed (stop 6): "today's rate" the issue sets 5x against. */
export const BASELINE_REV = "e1bd9df";

/**
 * Extracts revision `rev` of this repository into `dir` (git archive); returns its main.ts,
 * or why it cannot (no git, or a clone without that revision).
 */
export async function checkoutRevision(
  rev: string,
  dir: string,
): Promise<{ main: string } | { reason: string }> {
  const repo = new URL("..", import.meta.url).pathname;
  try {
    const git = new Deno.Command("git", {
      args: ["-C", repo, "archive", "--format=tar", rev],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const tar = new Deno.Command("tar", { args: ["-x", "-C", dir], stdin: "piped" }).spawn();
    await git.stdout.pipeTo(tar.stdin);
    const [g, t, err] = await Promise.all([
      git.status,
      tar.status,
      new Response(git.stderr).text(),
    ]);
    if (!g.success) return { reason: `git archive ${rev}: ${err.trim().split("\n")[0]}` };
    if (!t.success) return { reason: `tar could not unpack ${rev}` };
    return { main: join(dir, "main.ts") };
  } catch (e) {
    return { reason: `cannot run git: ${(e as Error).message}` };
  }
}

/**
 * `ctdlsync import --migr path` as a process with this tree's main.ts and the baseline's,
 * each twice in alternation (the faster of each pair counts: on a shared machine the
 * slower run measures the neighbours).
 */
async function timeProcesses(path: string, baselineMain: string, root: string) {
  let n = 0;
  const once = async (main?: string) => {
    const data = join(root, `process-${n++}`);
    const r = await runCli(["import", "--migr", path, "--data", data], main);
    await Deno.remove(data, { recursive: true });
    return r.ms / 1000;
  };
  const now: number[] = [];
  const then: number[] = [];
  for (let i = 0; i < 2; i++) {
    then.push(await once(baselineMain));
    now.push(await once());
  }
  return { process_s: Math.min(...now), baseline_s: Math.min(...then) };
}

/**
 * Measures import of the MIGR document at `path` (stores go into a temp directory): parse
 * alone, the password hashes alone, the import in this process, the same records as plain
 * KV writes, and with `baselineMain` both versions' `import` as processes.
 */
export async function measureImport(
  path: string,
  opts: { baselineMain?: string } = {},
): Promise<ImportFigures> {
  const size = (await Deno.stat(path)).size;
  const mb = size / 1e6;
  let t = performance.now();
  const passwords: string[] = [];
  for await (const rec of readMigrRecords(fileText(path))) {
    if (rec.name !== "user") continue;
    const pw = rec.fields.find((f) => f.name === "u_password")?.text ?? "";
    if (pw !== "") passwords.push(pw);
  }
  const parseS = (performance.now() - t) / 1000;

  let cpu = process.cpuUsage();
  const hashS = (await hashConcurrently(passwords)) / 1000;
  const hashCpuS = cpuSince(cpu);

  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-bench-import-" });
  try {
    // The faster of two imports (each into a fresh store): on a shared machine the slower
    // one measures the neighbours. The second store stays for the floor below.
    let importS = Infinity;
    let importCpuS = 0;
    for (const name of ["first", "data"]) {
      t = performance.now();
      cpu = process.cpuUsage();
      await importMigrFile(path, join(dir, name));
      const s = (performance.now() - t) / 1000;
      if (s < importS) [importS, importCpuS] = [s, cpuSince(cpu)];
    }
    await Deno.remove(join(dir, "first"), { recursive: true });
    const floor = await measureFloor(
      { dir: join(dir, "data"), messages: 0, records: 0, bytes: 0 },
      dir,
    );
    const processes = opts.baselineMain
      ? await timeProcesses(path, opts.baselineMain, dir)
      : undefined;
    const r = (x: number) => Math.round(x * 100) / 100;
    return {
      mb: r(mb),
      parse_mb_s: r(mb / parseS),
      import_mb_s: r(mb / importS),
      import_s: r(importS),
      passwords: passwords.length,
      hash_s: r(hashS),
      hash_ratio: r(hashS > 0 ? importS / hashS : 0),
      cpu_s: r(importCpuS),
      hash_cpu_s: r(hashCpuS),
      kv_s: r((floor.readMs + floor.kvMs) / 1000),
      ...(processes && { process_s: r(processes.process_s), baseline_s: r(processes.baseline_s) }),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The figures `bench/bench.ts` prints, under the keys of its `--json` object. */
export interface ImportBenchFigures {
  /** Import and parse-only MB/s of a generated document of `mb` MB (200 users). */
  import_mb_s: number;
  parse_mb_s: number;
  /** Its records as plain batched KV writes (read back from the import), MB of document/s. */
  import_kv_mb_s: number;
  /** The 70-user / 3,300-message document: import time over its hashes' time (target 1.5). */
  import_hash_ratio: number;
  import_real_s: number;
  import_real_hash_s: number;
  /**
   * CPU seconds of each in-process import (every thread), and of the 70-user document's
   * hashes alone; with `cores`, the least wall time that work can take on this machine.
   */
  import_cpu_s: number;
  import_real_cpu_s: number;
  import_real_hash_cpu_s: number;
  cores: number;
  /**
   * `ctdlsync import` as a process against BASELINE_REV's on the same document: the
   * baseline's time over this tree's (the speed-up), for each document; absent when the
   * baseline cannot be checked out (no git history).
   */
  import_vs_baseline?: number;
  import_real_vs_baseline?: number;
  import_process_s?: number;
  import_baseline_s?: number;
  import_real_process_s?: number;
  import_real_baseline_s?: number;
}

/**
 * Generates both documents (a size-driven one of `mb` MB and the real shape) in a temporary
 * directory, measures each (against `baseline`, a revision, unless null), and removes them:
 * one call for `bench/bench.ts`.
 */
export async function runImportBench(
  opts: { mb?: number; seed?: number; baseline?: string | null } = {},
): Promise<ImportBenchFigures> {
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-bench-doc-" });
  try {
    let baselineMain: string | undefined;
    const rev = opts.baseline === undefined ? BASELINE_REV : opts.baseline;
    if (rev !== null) {
      await Deno.mkdir(join(dir, "baseline"));
      const got = await checkoutRevision(rev, join(dir, "baseline"));
      if ("main" in got) baselineMain = got.main;
      else console.error(`bench: no baseline import (${got.reason})`);
    }
    const big = join(dir, "big.xml");
    await writeMigrDocument(big, { bytes: (opts.mb ?? 50) * 1e6, seed: opts.seed ?? 1 });
    const b = await measureImport(big, { baselineMain });
    await Deno.remove(big);
    const real = join(dir, "real.xml");
    await writeMigrDocument(real, { ...REAL_SHAPE, seed: opts.seed ?? 1 });
    const r = await measureImport(real, { baselineMain });
    const ratio = (f: ImportFigures) =>
      f.baseline_s && f.process_s ? Math.round(100 * f.baseline_s / f.process_s) / 100 : undefined;
    return {
      import_mb_s: b.import_mb_s,
      parse_mb_s: b.parse_mb_s,
      import_kv_mb_s: Math.round(100 * b.mb / b.kv_s) / 100,
      import_hash_ratio: r.hash_ratio,
      import_real_s: r.import_s,
      import_real_hash_s: r.hash_s,
      import_cpu_s: b.cpu_s,
      import_real_cpu_s: r.cpu_s,
      import_real_hash_cpu_s: r.hash_cpu_s,
      cores: cores(),
      import_vs_baseline: ratio(b),
      import_real_vs_baseline: ratio(r),
      import_process_s: b.process_s,
      import_baseline_s: b.baseline_s,
      import_real_process_s: r.process_s,
      import_real_baseline_s: r.baseline_s,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      mb: { type: "string", default: "50" },
      users: { type: "string" },
      shape: { type: "string" },
      file: { type: "string" },
      seed: { type: "string", default: "1" },
      baseline: { type: "string" },
      keep: { type: "boolean", default: false },
      both: { type: "boolean", default: false },
    },
  });
  log.quiet = true;
  if (values.both) {
    const figures = await runImportBench({
      mb: Number(values.mb),
      seed: Number(values.seed),
      baseline: values.baseline === "none" ? null : values.baseline,
    });
    console.log(JSON.stringify(figures));
    Deno.exit(0);
  }
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-bench-doc-" });
  try {
    let path = values.file;
    if (!path) {
      path = join(dir, "export.xml");
      const opts = values.shape === "real" ? { ...REAL_SHAPE, seed: Number(values.seed) } : {
        bytes: Number(values.mb) * 1e6,
        users: values.users === undefined ? undefined : Number(values.users),
        seed: Number(values.seed),
      };
      await writeMigrDocument(path, opts);
    }
    let baselineMain: string | undefined;
    if (values.baseline && values.baseline !== "none") {
      await Deno.mkdir(join(dir, "baseline"));
      const got = await checkoutRevision(values.baseline, join(dir, "baseline"));
      if ("reason" in got) throw new Error(got.reason);
      baselineMain = got.main;
    }
    console.log(JSON.stringify(await measureImport(path, { baselineMain })));
  } finally {
    if (!values.keep) await Deno.remove(dir, { recursive: true });
    else console.error(`kept ${dir}`);
  }
}
