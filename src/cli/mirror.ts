/**
 * `ctdlsync mirror`: keeps a user's rooms as Maildir and vdir folders, both ways.
 * Exit codes as pull's: 0 ok, 1 errors or refused rooms, 2 usage or connection, 3 damaged
 * reply (run again), 130/143 interrupted (every write is atomic: stopping anywhere is safe).
 */
import { runMirror } from "../mirror/engine.ts";
import { mirrorOk, mirrorSummary, mirrorVerdict } from "../mirror/report.ts";
import { int, need, parseFlags, progressWriter, readPassword, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { Exit } from "./exit.ts";

/** How often `--follow` asks for changes when no interval is given (seconds). */
export const FOLLOW_INTERVAL_S = 30;

/** `ctdlsync mirror`. */
export const mirror: Command = {
  usage: `mirror  --from HOST:PORT --user NAME --password-file F --to DIR [--rooms LIST]
          [--follow [--interval SECS]] [--delete-mail] [--dry-run] [--json] [--tls]
          (a user's mail, calendars and contacts as Maildir and vdir folders, both ways;
          --follow polls every ${FOLLOW_INTERVAL_S} s unless --interval says otherwise)`,
  interrupted: "interrupted; rerun to resume",
  run,
};

async function run(args: string[]): Promise<number> {
  const f = parseFlags(args, {
    from: "string",
    user: "string",
    "password-file": "string",
    to: "string",
    rooms: "string",
    follow: "boolean",
    interval: "string",
    "delete-mail": "boolean",
    "dry-run": "boolean",
    json: "boolean",
    tls: "boolean",
  });
  const from = need(f, "from");
  const user = need(f, "user");
  const to = need(f, "to");
  const password = await readPassword(need(f, "password-file"));
  if (f.interval !== undefined && f.follow !== true) {
    throw new UsageError("--interval goes with --follow");
  }
  const interval = int(f, "interval", FOLLOW_INTERVAL_S);
  const dryRun = f["dry-run"] === true;
  if (dryRun && f.follow === true) {
    throw new UsageError("--dry-run and --follow do not go together");
  }
  const rooms = typeof f.rooms === "string"
    ? f.rooms.split(",").map((r) => r.trim()).filter((r) => r !== "")
    : undefined;
  const tty = Deno.stderr.isTerminal() && f.json !== true;
  const progress = tty ? progressWriter() : undefined;
  while (true) {
    const t0 = performance.now();
    const report = await runMirror({
      from,
      user,
      password,
      to,
      rooms,
      dryRun,
      deleteMail: f["delete-mail"] === true,
      tls: f.tls === true,
      onRoom: progress && ((i, n, room) => progress(`room ${i}/${n}: ${room}`)),
    }).finally(() => progress?.(""));
    const secs = (performance.now() - t0) / 1000;
    const ok = mirrorOk(report);
    if (f.json === true) console.log(JSON.stringify({ ok, ...report }, null, 2));
    else {
      console.log(mirrorSummary(report, dryRun));
      console.log(mirrorVerdict(report, `${user}@${from} -> ${to}`, secs, dryRun));
    }
    if (f.follow !== true) return ok ? Exit.OK : Exit.FAILED;
    // No push feed for users yet: poll with `since` (docs/mirror.md).
    await new Promise((r) => setTimeout(r, interval * 1000));
  }
}
