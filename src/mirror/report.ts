/** The mirror's report: a table per room and direction, conflicts, errors, a verdict. */
import { textTable } from "../client/report.ts";
import type { Counts } from "./context.ts";
import type { MirrorReport } from "./engine.ts";

function counts(c: Counts): string {
  return `+${c.added} ~${c.changed} -${c.deleted} s${c.seen}`;
}

/** The room table, then conflicts, refusals, errors and (dry run) the plan. */
export function mirrorSummary(r: MirrorReport, dryRun: boolean): string {
  const rows = r.rooms.map((x) => [
    x.dir,
    x.kind,
    String(x.items),
    counts(x.down),
    counts(x.up),
    String(x.kept),
    String(x.conflicts.length),
    String(x.errors.length),
  ]);
  const out = [
    textTable(
      ["room", "kind", "items", "server->tree", "tree->server", "kept", "conflicts", "errors"],
      rows,
    ),
  ];
  const list = (title: string, lines: string[]) => {
    if (lines.length > 0) out.push(`${title}:`, ...lines.map((l) => `  ${l}`));
  };
  list("conflicts", r.rooms.flatMap((x) => x.conflicts));
  list("refused by the server", r.refused);
  list("errors", r.rooms.flatMap((x) => x.errors));
  if (dryRun) list("would change (nothing written)", r.rooms.flatMap((x) => x.planned));
  return out.join("\n");
}

/** True when the run did everything it should (conflicts are resolved, so they count as ok). */
export function mirrorOk(r: MirrorReport): boolean {
  return r.refused.length === 0 && r.rooms.every((x) => x.errors.length === 0);
}

/** The one-line verdict. */
export function mirrorVerdict(r: MirrorReport, where: string, seconds: number, dry: boolean) {
  const items = r.rooms.reduce((n, x) => n + x.items, 0);
  const conflicts = r.rooms.reduce((n, x) => n + x.conflicts.length, 0);
  const errors = r.refused.length + r.rooms.reduce((n, x) => n + x.errors.length, 0);
  const t = seconds.toFixed(2);
  if (dry) return `dry run: nothing written; ${r.rooms.length} rooms checked in ${t} s`;
  const tail = `${r.rooms.length} rooms, ${items} items, ${conflicts} conflicts in ${t} s`;
  return errors === 0
    ? `${where} in step as of stamp ${r.stamp}: ${tail}`
    : `${where} mirrored with ${errors} errors: ${tail}`;
}
