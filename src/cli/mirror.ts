/**
 * `ctdlsync mirror`: keeps a user's rooms as Maildir and vdir folders, both ways.
 * Exit codes as pull's: 0 ok, 1 failed (errors or refusals), 2 usage or connection,
 * 3 damaged reply (run again), 130/143 interrupted.
 */
import { parseArgs } from "node:util";
import { TransferError } from "../client/bulk_reader.ts";
import { ConnectionError } from "../client/connection.ts";
import { CtdlError } from "../errors.ts";
import { type MirrorReport, runMirror } from "../mirror/engine.ts";
import { mirrorOk, mirrorSummary, mirrorVerdict } from "../mirror/report.ts";

/** How often `--follow` asks for changes when no interval is given (seconds). */
export const FOLLOW_INTERVAL_S = 30;

/** The usage text of `mirror`. */
export const MIRROR_USAGE =
  `usage: ctdlsync mirror --from HOST:PORT --user NAME --password-file F --to DIR
          [--rooms LIST] [--follow [--interval SECS]] [--delete-mail] [--dry-run] [--json] [--tls]

  Mirrors the rooms NAME may read into DIR: mail and message rooms as Maildir folders,
  calendars and task lists as vdir folders of .ics files, address books of .vcf files,
  notes as .txt files. Local .ics/.vcf changes and Maildir S flags are sent back; mail
  deleted locally is deleted on the server only with --delete-mail. --follow repeats the
  run every --interval seconds (default ${FOLLOW_INTERVAL_S}) until interrupted.

exit codes: 0 ok, 1 errors or refused rooms, 2 usage or connection error,
3 damaged reply (run again), 130/143 interrupted`;

class Usage extends Error {}

/** Runs `ctdlsync mirror`; returns the exit code. */
export async function mirrorCommand(args: string[]): Promise<number> {
  let signal = 0;
  const onSignal = (code: number) => () => {
    // Every write is atomic and the state is saved per room: stopping anywhere is safe.
    signal = code;
    console.error("ctdlsync: interrupted; rerun to resume");
    Deno.exit(code);
  };
  const int = onSignal(130);
  const term = onSignal(143);
  Deno.addSignalListener("SIGINT", int);
  Deno.addSignalListener("SIGTERM", term);
  try {
    return await run(args, () => signal !== 0);
  } catch (e) {
    if (e instanceof Usage || e instanceof ConnectionError) {
      console.error(`ctdlsync: ${e.message}`);
      return 2;
    }
    if (e instanceof TransferError) {
      console.error(`ctdlsync: ${e.message}; run the mirror again`);
      return 3;
    }
    if (e instanceof CtdlError) {
      console.error(`ctdlsync: ${e.message}`);
      return e.code === 540 || e.code === 541 || e.code === 570 || e.code === 551 ? 2 : 1;
    }
    console.error(`ctdlsync: ${(e as Error).message}`);
    return 1;
  } finally {
    Deno.removeSignalListener("SIGINT", int);
    Deno.removeSignalListener("SIGTERM", term);
  }
}

async function run(args: string[], stopRequested: () => boolean): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        from: { type: "string" },
        user: { type: "string" },
        "password-file": { type: "string" },
        to: { type: "string" },
        rooms: { type: "string" },
        follow: { type: "boolean" },
        interval: { type: "string" },
        "delete-mail": { type: "boolean" },
        "dry-run": { type: "boolean" },
        json: { type: "boolean" },
        tls: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    throw new Usage(`${(e as Error).message}\n${MIRROR_USAGE}`);
  }
  if (v.help) {
    console.log(MIRROR_USAGE);
    return 0;
  }
  const need = (k: "from" | "user" | "password-file" | "to") => {
    if (!v[k]) throw new Usage(`--${k} is required\n${MIRROR_USAGE}`);
    return v[k] as string;
  };
  const from = need("from");
  const user = need("user");
  const to = need("to");
  let password: string;
  try {
    password = (await Deno.readTextFile(need("password-file"))).replace(/\r?\n$/, "");
  } catch (e) {
    throw new Usage(`cannot read password file: ${(e as Error).message}`);
  }
  if (v.interval !== undefined && !/^\d+$/.test(v.interval)) {
    throw new Usage("--interval takes a whole number of seconds");
  }
  if (v.interval !== undefined && !v.follow) throw new Usage("--interval goes with --follow");
  const interval = v.interval ? Number(v.interval) : FOLLOW_INTERVAL_S;
  const dryRun = v["dry-run"] === true;
  if (dryRun && v.follow) throw new Usage("--dry-run and --follow do not go together");
  const rooms = v.rooms?.split(",").map((r) => r.trim()).filter((r) => r !== "");
  const tty = Deno.stderr.isTerminal() && !v.json;
  const progress = (i: number, n: number, room: string) => {
    const line = `room ${i}/${n}: ${room}`;
    if (tty) Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${line}`));
  };
  while (true) {
    const t0 = performance.now();
    let report: MirrorReport;
    try {
      report = await runMirror({
        from,
        user,
        password,
        to,
        rooms,
        dryRun,
        deleteMail: v["delete-mail"] === true,
        tls: v.tls === true,
        onRoom: progress,
        stopRequested,
      });
    } finally {
      if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
    }
    const secs = (performance.now() - t0) / 1000;
    const ok = mirrorOk(report);
    if (v.json) console.log(JSON.stringify({ ok, ...report }, null, 2));
    else {
      console.log(mirrorSummary(report, dryRun));
      console.log(mirrorVerdict(report, `${user}@${from} -> ${to}`, secs, dryRun));
    }
    if (!v.follow) return report.interrupted ? 130 : ok ? 0 : 1;
    await new Promise((r) => setTimeout(r, interval * 1000));
  }
}
