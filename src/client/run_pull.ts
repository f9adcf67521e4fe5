import { Code, CtdlError } from "../errors.ts";
import type { Store } from "../store/store.ts";
import { TABLE_NAMES, type TableName } from "../store/tables.ts";
import { CitadelClient, type ConnectOptions } from "./connection.ts";
import { converge, copyAll, PullState } from "./online.ts";
import { dryRun } from "./dry_run.ts";
import { type OnProgress, parseListing, type SourceListing, type TableReport } from "./pull.ts";

/** How to reach and hold a source. */
export interface SourceOptions extends ConnectOptions {
  from: string;
  user: string;
  password: string;
  /** SNGL arguments (cutover only): seconds others get to finish, seconds until it expires. */
  wait?: number;
  expire?: number;
}

/** Options of a whole pull. */
export interface PullOptions extends SourceOptions {
  tables?: TableName[];
  /** List what would move; write nothing. */
  dryRun?: boolean;
  /** After the online copy, take single-user mode for the last delta. */
  cutover?: boolean;
  /** Catch-up rounds before an online pull gives up (default 30). */
  rounds?: number;
  /**
   * Seconds an online pull goes on catching up past its rounds while the source is only
   * ahead (written meanwhile), never wrong (default 120; not used when `rounds` is given).
   */
  keepUpSeconds?: number;
  /** Aborting it (SIGINT, SIGTERM) ends the pull: single-user mode released, connection closed. */
  signal?: AbortSignal;
  onProgress?: OnProgress;
  onTableDone?: (r: TableReport) => void | Promise<void>;
  /**
   * Lines the user should see as they happen (e.g. before single-user mode is asked for);
   * awaited, so the caller's output is out before the pull goes on.
   */
  onNotice?: (line: string) => void | Promise<void>;
}

/** The outcome of a pull. */
export interface PullResult {
  host: string;
  tables: TableReport[];
  /** Every wanted table equal to the source, as of `stamp`. */
  identical: boolean;
  stamp: number;
  /** Records and value bytes in the copy (the wanted tables). */
  records: number;
  bytes: number;
  seconds: number;
  rounds: number;
  dryRun: boolean;
  /** Cutover: seconds from SNGL granted to ESNG sent. */
  lockoutSeconds?: number;
  /** Why the copy is not identical, in one line. */
  problem?: string;
}

/** The source does not speak SYNC (a stock Citadel): the caller may choose the fallback. */
export class NoSyncError extends CtdlError {
  constructor(from: string) {
    super(Code.CMD_NOT_SUPPORTED, `${from} does not speak SYNC (530 to SYNC all|info, twice)`);
    this.name = "NoSyncError";
  }
}

/** The pull was stopped by a signal; the store holds what was committed (rerun resumes). */
export class InterruptedError extends Error {
  readonly signal: string;
  constructor(signal: string) {
    super("interrupted; rerun to resume");
    this.name = "InterruptedError";
    this.signal = signal;
  }

  /** 130 for SIGINT, 143 for SIGTERM. */
  get exitCode(): number {
    return this.signal === "SIGTERM" ? 143 : 130;
  }
}

/** Catch-up rounds of an online pull before it reports that the source is too busy. */
const ONLINE_ROUNDS = 30;
/** How long an online pull keeps catching up past those rounds while it is only behind. */
export const ONLINE_KEEP_UP_SECONDS = 120;
/** Rounds under single-user mode: a catch-up, then the checks (others' writes are refused). */
const CUTOVER_ROUNDS = 5;

/** What a cutover pull calls itself (IDEN), so a second one can see it in RWHO. */
const CUTOVER_CLIENT = "ctdlsync pull --cutover";

/** Connects and logs in; `client` names the software in IDEN (shown by RWHO). */
export async function openSource(
  opts: SourceOptions,
  client = "ctdlsync pull",
): Promise<CitadelClient> {
  const c = await CitadelClient.connect(opts.from, opts);
  try {
    await c.login(opts.user, opts.password);
    await c.command(`IDEN 0|0|1|${client}|`);
    return c;
  } catch (e) {
    c.close();
    throw e;
  }
}

/**
 * Another cutover of the same user that started earlier and is still connected (RWHO),
 * or null. The later of two refuses, so two cutovers never wait on each other.
 */
async function earlierCutover(client: CitadelClient, user: string): Promise<string | null> {
  const info = await client.listing("INFO");
  const me = Number(info.lines[0]);
  const { lines } = await client.listing("RWHO");
  for (const line of lines) {
    const [id, who, , , software] = line.split("|");
    if (
      Number(id) < me && who.toLowerCase() === user.toLowerCase() && software === CUTOVER_CLIENT
    ) return `session ${id}`;
  }
  return null;
}

/**
 * The probe that decides, once and at the start, whether the source speaks SYNC:
 * `SYNC all|info`. A stock Citadel answers 530; it is asked twice, so one damaged line
 * cannot send a pull down the fallback path. Any later failure is an error of the pull.
 */
export async function probeSync(client: CitadelClient, from: string): Promise<SourceListing> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const reply = await client.command("SYNC all|info");
    if (reply.code === Code.CMD_NOT_SUPPORTED) continue;
    if (Math.floor(reply.code / 100) !== 1) throw new CtdlError(reply.code, reply.text);
    return parseListing(reply.text, await client.readListing());
  }
  throw new NoSyncError(from);
}

/**
 * Ends single-user mode over a fresh connection (the pull's own is gone or mid-reply): the
 * holder's user may log in while the system is single-user, and ESNG releases it.
 */
export async function releaseSingleUser(opts: SourceOptions): Promise<boolean> {
  try {
    // Within the CLI's 5 s budget for clean-ups on an interrupt.
    const c = await CitadelClient.connect(opts.from, { ...opts, timeoutSeconds: 3 });
    try {
      await c.login(opts.user, opts.password);
      return (await c.command("ESNG")).code === Code.OK;
    } finally {
      await c.quit();
    }
  } catch {
    return false;
  }
}

/**
 * The whole pull: log in, probe, copy every table while the source keeps working, catch
 * up and verify in rounds; with `cutover`, then SNGL, the last delta, verify, ESNG.
 */
export async function runSync(store: Store | null, opts: PullOptions): Promise<PullResult> {
  const started = performance.now();
  const client = await openSource(opts, opts.cutover ? CUTOVER_CLIENT : undefined);
  let holding = false;
  const stop = () => client.close();
  opts.signal?.addEventListener("abort", stop);
  try {
    const listing = await probeSync(client, opts.from);
    const wanted = opts.tables ?? TABLE_NAMES;
    if (opts.dryRun) return await dryRun(store, client, listing, wanted, opts.from, started);
    if (!store) throw new Error("a pull needs a store");
    const st = new PullState(store, client, listing, [...wanted], opts.onProgress);
    await copyAll(st, listing, opts.onTableDone);
    let conv = opts.rounds === undefined
      ? await converge(st, ONLINE_ROUNDS, 2, (opts.keepUpSeconds ?? ONLINE_KEEP_UP_SECONDS) * 1000)
      : await converge(st, opts.rounds, 2);
    let lockoutSeconds: number | undefined;
    // A copy that is wrong (not merely behind) is not worth locking the source for.
    if (opts.cutover && !conv.wrong) {
      const wait = opts.wait ?? 10;
      const other = await earlierCutover(client, opts.user);
      if (other) {
        throw new CtdlError(
          Code.RESOURCE_BUSY,
          `another cutover by ${opts.user} is under way on ${opts.from} (${other}); ` +
            "run again when it has finished",
        );
      }
      await opts.onNotice?.(
        `asking ${opts.from} for single-user mode for the last delta; ` +
          `other sessions get up to ${wait} s to finish`,
      );
      holding = true;
      const r = await client.command(`SNGL ${wait}|${opts.expire ?? 60}`, { waitSeconds: wait });
      if (r.code !== Code.OK) {
        holding = false;
        throw new CtdlError(r.code, `single-user mode refused: ${r.text}`);
      }
      const granted = performance.now();
      // Two agreeing listings here too: it costs one round trip and also covers writes the
      // source makes itself (sessions ended by SNGL logging out).
      conv = await converge(st, CUTOVER_ROUNDS, 2);
      await client.send("ESNG");
      lockoutSeconds = (performance.now() - granted) / 1000;
      const end = await client.readReply();
      if (end.code === Code.OK) holding = false;
    }
    const tables = [...st.reports.values()];
    return {
      host: opts.from,
      tables,
      identical: conv.identical,
      stamp: conv.stamp,
      records: tables.reduce((n, r) => n + r.source.count, 0),
      bytes: tables.reduce((n, r) => n + r.source.bytes, 0),
      seconds: (performance.now() - started) / 1000,
      rounds: conv.rounds,
      dryRun: false,
      lockoutSeconds,
      problem: conv.problem,
    };
  } catch (e) {
    if (opts.signal?.aborted) throw new InterruptedError(String(opts.signal.reason));
    throw e;
  } finally {
    opts.signal?.removeEventListener("abort", stop);
    if (holding) {
      client.close();
      await releaseSingleUser(opts);
    } else if (opts.signal?.aborted) client.close();
    else await client.quit();
  }
}

/** The pull's table reports (see `runSync` for the whole outcome). */
export async function runPull(store: Store, opts: PullOptions): Promise<TableReport[]> {
  return (await runSync(store, opts)).tables;
}

/** A table that differs between source and local store, as `verify` reports it. */
export interface Difference {
  table: TableName;
  source: { count: number; digest: string };
  local: { count: number; digest: string };
}

/** Compares every table's count and digest with the source, pulling nothing. */
export async function runVerify(store: Store, opts: SourceOptions): Promise<Difference[]> {
  const client = await openSource(opts, "ctdlsync verify");
  try {
    const { tables } = await probeSync(client, opts.from);
    const out: Difference[] = [];
    for (const t of tables) {
      const mine = await store.stats(t.table);
      if (mine.count !== t.count || mine.digest !== t.digest) {
        out.push({
          table: t.table,
          source: { count: t.count, digest: t.digest },
          local: { count: mine.count, digest: mine.digest },
        });
      }
    }
    return out;
  } finally {
    await client.quit();
  }
}
