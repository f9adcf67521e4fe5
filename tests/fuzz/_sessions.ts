/**
 * The session fuzz of issue 12: seeded command lines from an anonymous, an ordinary and an
 * Aide session against a real server on loopback. The caller checks afterwards that the
 * server is up and that every table's digest is unchanged (`syncDigests` before and after).
 */
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { CitadelClient } from "../../src/client/connection.ts";
import { prng } from "../../src/tools/prng.ts";
import { LineMaker, type Role } from "./_lines.ts";

/** What a run did. */
export interface FuzzReport {
  lines: number;
  /** How often each reply code came back. */
  codes: Map<number, number>;
  /** Sessions the server ended (its budget for unrecognized commands) that were opened anew. */
  reconnects: number;
  /** Lines after which the server asked for input (4xx/7xx/8xx), answered with an empty one. */
  asked: number;
}

/** Options of a run. */
export interface FuzzOptions {
  lines: number;
  seed: number;
  /** A line whose reply takes longer than this fails the run (the server hung). */
  lineTimeoutMs?: number;
  onProgress?: (done: number) => void;
}

const ACCOUNTS: Record<Role, { name: string; password: string } | null> = {
  anonymous: null,
  user: FIXTURE_USERS.alice,
  aide: FIXTURE_USERS.sysop,
};

/** A connection as `role`: logged in as the fixture's ordinary user or Aide, or not at all. */
export async function connectAs(address: string, role: Role): Promise<CitadelClient> {
  const c = await CitadelClient.connect(address);
  const who = ACCOUNTS[role];
  if (who) {
    const r = await c.login(who.name, who.password);
    if (r.code !== 200) throw new Error(`login as ${who.name} refused: ${r.line}`);
  }
  return c;
}

/** Every table's `count|digest` line of `SYNC all|info`, asked by a fresh Aide session. */
export async function syncDigests(address: string): Promise<string[]> {
  const c = await connectAs(address, "aide");
  try {
    return (await c.listing("SYNC all|info")).lines;
  } finally {
    await c.quit();
  }
}

/**
 * Sends one line and reads all that its reply brings, answering what the server asks for
 * with nothing (an empty listing, zero bytes), so the exchange stays in step.
 */
async function exchange(c: CitadelClient, line: Uint8Array, report: FuzzReport): Promise<number> {
  await c.out.write(line);
  await c.out.write(new Uint8Array([0x0a]));
  await c.out.flush();
  const r = await c.readReply();
  switch (Math.floor(r.code / 100)) {
    case 1:
      await c.readListing();
      break;
    case 4:
      report.asked++;
      await c.send("000");
      break;
    case 6:
      await c.reader.readExact(Number(r.text.split("|")[0]) || 0);
      break;
    case 7:
      report.asked++;
      await c.out.write(new Uint8Array(Number(r.text.split("|")[0]) || 0));
      await c.out.flush();
      return (await c.readReply()).code;
    case 8:
      report.asked++;
      await c.send("000");
      await c.readListing();
      break;
  }
  return r.code;
}

/** Sends `ECHO mark` and reads up to its answer; returns the lines that came before it. */
async function drainTo(c: CitadelClient, mark: string): Promise<string[]> {
  await c.send(`ECHO ${mark}`);
  const extra: string[] = [];
  for (;;) {
    const line = await c.reader.readLine(1 << 20);
    if (line === null) throw new Error("server closed the connection");
    if (line === `200 ${mark}`) return extra;
    extra.push(line.slice(0, 80));
  }
}

/**
 * Sends `n` made-up verbs, reading each reply (a 5xx, never 510); returns false once the
 * server has ended the session.
 */
async function junkRun(
  c: CitadelClient,
  maker: LineMaker,
  n: number,
  timeout: number,
  report: FuzzReport,
): Promise<boolean> {
  const enc = new TextEncoder();
  for (let k = 0; k < n; k++) {
    const line = enc.encode(`${maker.madeUpVerb()} ${maker.args()}`);
    let code: number;
    try {
      code = await within(exchange(c, line, report), timeout, line);
    } catch (e) {
      if (/connection|closed/i.test((e as Error).message)) return false;
      throw e;
    }
    if (Math.floor(code / 100) !== 5 || code === 510) {
      throw new Error(`made-up verb ${JSON.stringify(new TextDecoder().decode(line))} got ${code}`);
    }
    report.codes.set(code, (report.codes.get(code) ?? 0) + 1);
    report.lines++;
  }
  return true;
}

/** Rejects after `ms` with a message naming the line, unless `p` settles first. */
async function within<T>(p: Promise<T>, ms: number, line: Uint8Array): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const shown = new TextDecoder().decode(line.slice(0, 120));
      reject(new Error(`no reply within ${ms} ms to ${JSON.stringify(shown)}`));
    }, ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the fuzz; throws on a reply outside 100-999, on a 510 (internal error), on a hang. */
export async function fuzzSessions(address: string, opts: FuzzOptions): Promise<FuzzReport> {
  const roles: Role[] = ["anonymous", "user", "aide"];
  const rand = prng(opts.seed);
  const maker = new LineMaker(rand);
  const report: FuzzReport = { lines: 0, codes: new Map(), reconnects: 0, asked: 0 };
  const sessions = new Map<Role, CitadelClient>();
  for (const role of roles) sessions.set(role, await connectAs(address, role));
  const timeout = opts.lineTimeoutMs ?? 15_000;
  try {
    for (let i = 0; i < opts.lines; i++) {
      const role = roles[Math.floor(rand() * roles.length)];
      if (rand() < 0.003) {
        // Now and then a run of made-up verbs with no ECHO between them, which the server's
        // budget for unrecognized commands answers by ending the session.
        const c = sessions.get(role)!;
        const n = Math.min(12, opts.lines - i);
        i += n - 1;
        if (await junkRun(c, maker, n, timeout, report)) continue;
        c.close();
        sessions.set(role, await connectAs(address, role));
        report.reconnects++;
        continue;
      }
      const line = maker.line(role);
      let code: number;
      try {
        code = await within(exchange(sessions.get(role)!, line, report), timeout, line);
      } catch (e) {
        if (!/connection|closed/i.test((e as Error).message)) throw e;
        // The server may end a session (junk budget, over-long input): open it anew.
        sessions.get(role)!.close();
        sessions.set(role, await connectAs(address, role));
        report.reconnects++;
        continue;
      }
      // Exactly one reply per line: an ECHO right after must be answered next.
      const mark = `fuzz-sync-${i}`;
      const extra = await within(drainTo(sessions.get(role)!, mark), timeout, line);
      if (extra.length > 0) {
        const shown = new TextDecoder().decode(line.slice(0, 120));
        throw new Error(`${role} line ${i} ${JSON.stringify(shown)}: replies out of step ${extra}`);
      }
      if (code < 100 || code > 999 || code === 510) {
        const shown = new TextDecoder().decode(line.slice(0, 120));
        throw new Error(`${role} line ${i} ${JSON.stringify(shown)} got ${code}`);
      }
      report.codes.set(code, (report.codes.get(code) ?? 0) + 1);
      report.lines++;
      if (i % 1000 === 999) opts.onProgress?.(i + 1);
    }
  } finally {
    for (const c of sessions.values()) c.close();
  }
  return report;
}
