/**
 * `deno task bench`: every performance figure next to its floor, measured in one run.
 *
 *   deno task bench [--messages 100000] [--small-messages N] [--migr-mb 50]
 *                   [--mirror-messages 50000] [--follow-seconds 60] [--seed 1] [--json] [--keep]
 *   deno task bench --small            tiny sizes, for CI (figures are not meaningful)
 *   deno task bench --messages 1000000 the 1M-message scale run (about 4 GB; not for CI)
 *   deno task bench --only KEY,KEY     only these figures (and the stages they need)
 *   deno task bench --baseline REV     the revision the import is set against (default e1bd9df,
 *                                      the code issue 13 measured; "none" skips it)
 *
 * Stages (each runs once, when a figure first needs it): generate the systems; the store
 * floor against plain batched KV writes of the same records; pulls over loopback at two
 * sizes with the pull's peak RSS; no-change reruns, `stats`, `status` and bare process start
 * (each the median of five runs); a MIGR import against reading and parsing of the same
 * document, and the 70-user document against its password hashes (bench/import.ts); the
 * cutover lockout and the online pull under posts (bench/online.ts); a mailbox mirror and
 * its no-change rerun (bench/mirror.ts); a replica's lag behind a source taking 50 posts a
 * second (bench/follow.ts). See docs/performance.md.
 *
 * A figure is one entry of FIGURES: its JSON key, what it is, and how to get its value
 * (and the floor it is set against) from the stages.
 */
import { parseArgs } from "node:util";
import { log } from "../src/log.ts";
import { type FollowLag, measureFollowLag } from "./follow.ts";
import { BASELINE_REV, type ImportBenchFigures, runImportBench } from "./import.ts";
import { benchMirror, type MirrorBench } from "./mirror.ts";
import {
  type CutoverFigures,
  measureCutoverLockout,
  measureOnlinePull,
  type OnlinePullFigures,
} from "./online.ts";
import {
  type FloorResult,
  makeSource,
  measureFloor,
  measurePulls,
  type PullResult,
  runCli,
  type Source,
} from "./stages.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    messages: { type: "string" },
    "small-messages": { type: "string" },
    "migr-mb": { type: "string" },
    "mirror-messages": { type: "string" },
    "follow-seconds": { type: "string" },
    seed: { type: "string", default: "1" },
    small: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    only: { type: "string" },
    baseline: { type: "string" },
  },
});
const tiny = values.small === true;
const messages = Number(values.messages ?? (tiny ? 600 : 100_000));
const smallMessages = Number(values["small-messages"] ?? Math.max(200, Math.floor(messages / 10)));
const migrMb = Number(values["migr-mb"] ?? (tiny ? 1 : 50));
const mirrorMessages = Number(values["mirror-messages"] ?? (tiny ? 300 : 50_000));
const followSeconds = Number(values["follow-seconds"] ?? (tiny ? 3 : 60));
const seed = Number(values.seed);
for (
  const [name, v] of [
    ["messages", messages],
    ["small-messages", smallMessages],
    ["mirror-messages", mirrorMessages],
    ["follow-seconds", followSeconds],
  ] as const
) {
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
}
log.quiet = true;
const root = await Deno.makeTempDir({ prefix: "ctdlsync-bench-" });

/** The stages, each run at most once per bench run. */
class Run {
  #memo = new Map<string, Promise<unknown>>();
  #once<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (!this.#memo.has(name)) this.#memo.set(name, fn());
    return this.#memo.get(name) as Promise<T>;
  }
  large = () => this.#once("large", () => makeSource(`${root}/large`, messages, seed));
  small = () => this.#once("small", () => makeSource(`${root}/small`, smallMessages, seed));
  floor = () =>
    this.#once<FloorResult>("floor", async () => measureFloor(await this.large(), root));
  /** The first pull of the large system into an empty store, then no-change reruns. */
  pulls = () =>
    this.#once<PullResult[]>(
      "pulls",
      async () => measurePulls(await this.large(), `${root}/pulled`, 1 + REPEAT, root),
    );
  /** The median no-change rerun. */
  rerun = async () => median((await this.pulls()).slice(1));
  smallPull = () =>
    this.#once<PullResult>("smallPull", async () => {
      await this.pulls(); // one server at a time on a shared machine
      return (await measurePulls(await this.small(), `${root}/pulled-small`, 1, root))[0];
    });
  stats = () =>
    this.#once<PullResult>("stats", async () => {
      await this.pulls();
      return repeated(["stats", "--data", `${root}/pulled`]);
    });
  status = () =>
    this.#once<PullResult>("status", async () => {
      await this.pulls();
      return repeated(["status", "--data", `${root}/pulled`]);
    });
  start = () => this.#once<PullResult>("start", () => repeated(["--version"]));
  migr = () =>
    this.#once<ImportBenchFigures>("migr", () =>
      runImportBench({
        mb: migrMb,
        seed,
        baseline: values.baseline === "none" ? null : values.baseline,
      }));
  /** The cutover of the large system, 100 changes after its online copy. */
  cutover = () =>
    this.#once<CutoverFigures>("cutover", async () => {
      await this.pulls(); // one server at a time on a shared machine
      return measureCutoverLockout({ messages, seed, root: `${root}/cutover`, changes: 100 });
    });
  /** The small system pulled quiet and under 20 posts a second. */
  online = () =>
    this.#once<OnlinePullFigures>("online", async () => {
      await this.cutover();
      return measureOnlinePull({ messages: smallMessages, seed, root: `${root}/online` });
    });
  mirror = () =>
    this.#once<MirrorBench>("mirror", async () => {
      await this.online();
      return benchMirror(mirrorMessages);
    });
  /** A replica following a source that takes 50 posts a second. */
  follow = () =>
    this.#once<FollowLag>("follow", async () => {
      await this.mirror();
      return measureFollowLag({ seconds: followSeconds, rate: 50 });
    });
}

/** Process timings are short and noisy on a shared machine: each is the median of a few. */
const REPEAT = 5;

function median(runs: PullResult[]): PullResult {
  return runs.slice().sort((a, b) => a.ms - b.ms)[runs.length >> 1];
}

async function repeated(args: string[]): Promise<PullResult> {
  const runs: PullResult[] = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await runCli(args));
  return median(runs);
}

/** One figure: a JSON key, a label, a unit, its target, and how to measure it. */
interface Figure {
  key: string;
  label: string;
  unit: string;
  target: string;
  value: (r: Run) => Promise<number>;
  /** What the value is set against (its floor), as text for the table. */
  against?: (r: Run) => Promise<string>;
}

const sec = (ms: number) => ms / 1000;
const perRecordUs = (p: PullResult, s: Source) => (p.ms * 1000 / s.records).toFixed(1);
const floorS = (f: FloorResult) => sec(f.readMs + f.storeMs);

/**
 * `<doc>_vs_baseline`: the speed-up over the baseline revision, next to both process times
 * (`<doc>_process_s`, `<doc>_baseline_s`); NaN when the baseline could not be checked out.
 */
function baselineFigure(doc: "import" | "import_real", label: string, target: string): Figure {
  return {
    key: `${doc}_vs_baseline`,
    label,
    unit: "×",
    target,
    value: async (r) => (await r.migr())[`${doc}_vs_baseline`] ?? NaN,
    against: async (r) => {
      const m = await r.migr();
      const now = m[`${doc}_process_s`];
      const then = m[`${doc}_baseline_s`];
      return now === undefined || then === undefined
        ? "no baseline"
        : `processes: now ${fmt(now, 2)} s, ${BASELINE_REV} ${fmt(then, 2)} s`;
    },
  };
}

const FIGURES: Figure[] = [
  {
    key: "import_mb_s",
    label: "import of a generated MIGR document",
    unit: "MB/s",
    target: ">= 10",
    value: async (r) => (await r.migr()).import_mb_s,
    against: async (r) => `parse: ${fmt((await r.migr()).parse_mb_s)} MB/s`,
  },
  {
    key: "parse_mb_s",
    label: "reading + parsing the same document",
    unit: "MB/s",
    target: "",
    value: async (r) => (await r.migr()).parse_mb_s,
    against: () => Promise.resolve(`${fmt(migrMb)} MB document`),
  },
  {
    key: "import_kv_mb_s",
    label: "its records as plain batched KV writes",
    unit: "MB/s",
    target: "",
    value: async (r) => (await r.migr()).import_kv_mb_s,
    against: async (r) =>
      `import at ${
        fmt(100 * (await r.migr()).import_mb_s / (await r.migr()).import_kv_mb_s, 0)
      }% of it`,
  },
  baselineFigure("import", `import speed-up over ${BASELINE_REV}, same doc`, ">= 5"),
  {
    key: "import_cpu_s",
    label: "CPU of that import (all threads)",
    unit: "CPU-s",
    target: "",
    value: async (r) => (await r.migr()).import_cpu_s,
    against: async (r) => {
      const m = await r.migr();
      const five = m.import_baseline_s === undefined
        ? ""
        : `; 5× needs ${fmt(m.import_baseline_s / 5, 2)} s`;
      return `at least ${fmt(m.import_cpu_s / m.cores, 2)} s on ${m.cores} cores${five}`;
    },
  },
  baselineFigure("import_real", "same for the 70-user document", ""),
  {
    key: "import_hash_ratio",
    label: "import of 70 users / 3,300 messages / hashes",
    unit: "×",
    target: "<= 1.5",
    value: async (r) => (await r.migr()).import_hash_ratio,
    against: async (r) =>
      `import ${fmt((await r.migr()).import_real_s, 2)} s, its hashes concurrently ${
        fmt((await r.migr()).import_real_hash_s, 2)
      } s`,
  },
  {
    key: "import_real_cpu_s",
    label: "CPU of that import (all threads)",
    unit: "CPU-s",
    target: "",
    value: async (r) => (await r.migr()).import_real_cpu_s,
    against: async (r) => {
      const m = await r.migr();
      const least = m.import_real_cpu_s / m.cores;
      return `hashes alone ${fmt(m.import_real_hash_cpu_s, 2)} CPU-s; at least ${
        fmt(least, 2)
      } s on ${m.cores} cores = ${fmt(least / m.import_real_hash_s, 2)}× its hashes`;
    },
  },
  {
    key: "floor_rec_s",
    label: "store floor: copy into a fresh store",
    unit: "rec/s",
    target: ">= 85% of kv",
    value: async (r) => (await r.floor()).records / floorS(await r.floor()),
    against: async (r) => {
      const f = await r.floor();
      const paired = f.ratios.slice().sort((a, b) => a - b)[f.ratios.length >> 1];
      const median = paired === undefined
        ? ""
        : `; writes alone, median of pairs: ${fmt(100 * paired, 0)}%`;
      return `${fmt(100 * (f.readMs + f.kvMs) / (f.readMs + f.storeMs), 0)}% of plain KV${median}`;
    },
  },
  {
    key: "kv_rec_s",
    label: "plain batched KV writes, same records",
    unit: "rec/s",
    target: "",
    value: async (r) => {
      const f = await r.floor();
      return f.records / sec(f.readMs + f.kvMs);
    },
    against: async (r) => {
      const f = await r.floor();
      const us = (ms: number) => fmt(ms * 1000 / f.records, 1);
      return `per record: read ${us(f.readMs)} µs, kv ${us(f.kvMs)} µs, store ${
        us(f.storeMs)
      } µs (hash+key ${us(f.prepareMs)} µs)`;
    },
  },
  {
    key: "pull_floor_ratio",
    label: "pull over loopback / floor",
    unit: "×",
    target: "<= 1.2",
    value: async (r) => sec((await r.pulls())[0].ms) / floorS(await r.floor()),
    against: async (r) =>
      `pull ${fmt(sec((await r.pulls())[0].ms), 2)} s, floor ${fmt(floorS(await r.floor()), 2)} s`,
  },
  {
    key: "pull_us_rec_large",
    label: "pull cost per record, large system",
    unit: "µs",
    target: "linear",
    value: async (r) => Number(perRecordUs((await r.pulls())[0], await r.large())),
    against: async (r) =>
      `small system: ${perRecordUs(await r.smallPull(), await r.small())} µs/record`,
  },
  {
    key: "rerun_s",
    label: "no-change rerun of the pull (process)",
    unit: "s",
    target: "< 0.5",
    value: async (r) => sec((await r.rerun()).ms),
    against: async (r) => `process start ${fmt(sec((await r.start()).ms), 2)} s`,
  },
  {
    key: "stats_s",
    label: "`stats` (process)",
    unit: "s",
    target: "< 0.5",
    value: async (r) => sec((await r.stats()).ms),
    against: async (r) => `process start ${fmt(sec((await r.start()).ms), 2)} s`,
  },
  {
    key: "status_s",
    label: "`status` (process)",
    unit: "s",
    target: "< 0.5",
    value: async (r) => sec((await r.status()).ms),
    against: async (r) => `process start ${fmt(sec((await r.start()).ms), 2)} s`,
  },
  {
    key: "start_s",
    label: "process start (`ctdlsync --version`)",
    unit: "s",
    target: "",
    value: async (r) => sec((await r.start()).ms),
  },
  {
    key: "rss_mib_small",
    label: "pull peak RSS, small system",
    unit: "MiB",
    target: "",
    value: async (r) => (await r.smallPull()).peakMiB,
    against: async (r) => `${(await r.small()).records} records`,
  },
  {
    key: "rss_mib_large",
    label: "pull peak RSS, large system",
    unit: "MiB",
    target: "<= 1.2 × small",
    value: async (r) => (await r.pulls())[0].peakMiB,
    against: async (r) =>
      `${(await r.large()).records} records; ${
        fmt((await r.pulls())[0].peakMiB / (await r.smallPull()).peakMiB, 2)
      } × small`,
  },
  {
    key: "cutover_lockout_s",
    label: "cutover lockout, 100 changes since the copy",
    unit: "s",
    target: "< 1",
    value: async (r) => (await r.cutover()).cutover_lockout_s,
    against: async (r) =>
      `${(await r.cutover()).changes} changes; whole cutover pull ${
        fmt((await r.cutover()).cutover_total_s, 2)
      } s`,
  },
  {
    key: "online_pull_ratio",
    label: "online pull under 20 posts/s / quiet pull",
    unit: "×",
    target: "",
    value: async (r) => (await r.online()).online_pull_ratio,
    against: async (r) => {
      const o = await r.online();
      return `busy ${fmt(o.busy_pull_s, 2)} s (${o.posted_during} posts), quiet ${
        fmt(o.quiet_pull_s, 2)
      } s`;
    },
  },
  {
    key: "mirror_full_s",
    label: "mirror of a mailbox, full",
    unit: "s",
    target: "",
    value: async (r) => (await r.mirror()).mirror_full_s,
    against: async (r) => `${(await r.mirror()).messages} messages`,
  },
  {
    key: "mirror_rerun_s",
    label: "mirror rerun, nothing changed",
    unit: "s",
    target: "< 1",
    value: async (r) => (await r.mirror()).mirror_rerun_s,
    against: async (r) =>
      `as a process, start included: ${fmt((await r.mirror()).mirror_rerun_process_s, 2)} s`,
  },
  {
    key: "follow_lag_p50_ms",
    label: "follow lag at 50 posts/s, p50",
    unit: "ms",
    target: "",
    value: async (r) => (await r.follow()).follow_lag_p50_ms,
    against: async (r) =>
      `${(await r.follow()).follow_posts} posts at ${
        fmt((await r.follow()).follow_rate_achieved)
      }/s`,
  },
  {
    key: "follow_lag_p99_ms",
    label: "follow lag at 50 posts/s, p99",
    unit: "ms",
    target: "< 500",
    value: async (r) => (await r.follow()).follow_lag_p99_ms,
    against: async (r) => `max ${fmt((await r.follow()).follow_lag_max_ms)} ms`,
  },
];

function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}

const only = values.only?.split(",").map((k) => k.trim()).filter((k) => k !== "");
const unknownKeys = only?.filter((k) => !FIGURES.some((f) => f.key === k)) ?? [];
if (unknownKeys.length > 0) {
  console.error(
    `bench: unknown figure ${unknownKeys.join(", ")}; known: ${
      FIGURES.map((f) => f.key).join(", ")
    }`,
  );
  await Deno.remove(root, { recursive: true });
  Deno.exit(2);
}
const chosen = only ? FIGURES.filter((f) => only.includes(f.key)) : FIGURES;

const run = new Run();
const rows: { f: Figure; value: number; against: string }[] = [];
try {
  if (!values.json) {
    console.log(
      `ctdlsync bench: ${messages} messages (small: ${smallMessages}), MIGR ${migrMb} MB;` +
        ` Deno ${Deno.version.deno}`,
    );
  }
  for (const f of chosen) {
    rows.push({ f, value: await f.value(run), against: f.against ? await f.against(run) : "" });
  }
} finally {
  if (values.keep) console.error(`kept: ${root}`);
  else await Deno.remove(root, { recursive: true }).catch(() => {});
}

if (values.json) {
  // NaN (a figure that could not be measured) prints as null.
  console.log(JSON.stringify(Object.fromEntries(rows.map((r) => [r.f.key, r.value]))));
} else {
  const large = await run.large();
  console.log(`large: ${large.records} records, ${fmt(large.bytes / 1e6)} MB`);
  const w = [40, 10, 6, 16];
  console.log(
    `${"figure".padEnd(w[0])} ${"value".padStart(w[1])} ${"".padEnd(w[2])} ${
      "target".padEnd(w[3])
    } against`,
  );
  for (const { f, value, against } of rows) {
    const v = Number.isNaN(value) ? "n/a" : Math.abs(value) >= 100 ? fmt(value, 0) : fmt(value, 2);
    console.log(
      `${f.label.padEnd(w[0])} ${v.padStart(w[1])} ${f.unit.padEnd(w[2])} ${
        f.target.padEnd(w[3])
      } ${against}`,
    );
  }
}
