import type { TableStats } from "../store/store.ts";
import type { Progress, TableReport } from "./pull.ts";
import type { PullResult } from "./run_pull.ts";

/** Formats a byte count for people (KiB, MiB ...). */
export function humanBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** Lays out rows as a plain text table with aligned columns. */
export function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [fmt(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(fmt)].join("\n");
}

/** The `stats` table. */
export function statsTable(stats: TableStats[]): string {
  return textTable(
    ["table", "records", "bytes", "digest", "stamp"],
    stats.map((s) => [s.table, String(s.count), humanBytes(s.bytes), s.digest, String(s.stamp)]),
  );
}

/** The summary printed at the end of a pull: a row per table and a totals row. */
export function pullSummary(reports: TableReport[]): string {
  const rows = reports.map((r) => [
    r.table,
    r.action,
    String(r.records),
    humanBytes(r.bytes),
    r.seconds.toFixed(2),
    r.verified ? "yes" : r.action === "would-pull" ? "-" : "NO",
  ]);
  const sum = (f: (r: TableReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  const verified = reports.filter((r) => r.verified).length;
  rows.push([
    "total",
    `${reports.filter((r) => r.records > 0).length} moved`,
    String(sum((r) => r.records)),
    humanBytes(sum((r) => r.bytes)),
    sum((r) => r.seconds).toFixed(2),
    `${verified}/${reports.length}`,
  ]);
  return textTable(["table", "action", "records", "bytes", "seconds", "verified"], rows);
}

/** The one verdict line that ends a pull's output. */
export function verdictLine(r: PullResult): string {
  const mib = (r.bytes / (1024 * 1024)).toFixed(1);
  const secs = r.seconds.toFixed(1);
  if (r.dryRun) {
    return r.identical
      ? `dry run: nothing to move; ${r.host} as of stamp ${r.stamp} is here already`
      : `dry run: ${r.records} records, ${mib} MiB would move from ${r.host}; nothing written`;
  }
  if (r.identical) {
    return `identical to ${r.host} as of stamp ${r.stamp}: ${r.records} records, ` +
      `${mib} MiB in ${secs} s`;
  }
  return `NOT identical to ${r.host}: ${r.problem ?? "verification failed"}`;
}

/** One progress line: table k of N, its records and bytes, then the whole pull's rate and ETA. */
export function progressLine(p: Progress): string {
  const secs = Math.max((Date.now() - p.startedMs) / 1000, 0.001);
  const rate = (p.overallBytes - p.overallBaseBytes) / secs;
  const left = Math.max(p.overallTotalBytes - p.overallBytes, 0);
  const eta = rate > 0 ? `${Math.ceil(left / rate)}s` : "?";
  const pct = p.overallTotalBytes > 0
    ? Math.min(100, Math.floor((p.overallBytes / p.overallTotalBytes) * 100))
    : 100;
  return `[${p.index}/${p.of}] ${p.table.padEnd(13)} ${p.records}/${p.totalRecords} records  ` +
    `${humanBytes(p.bytes)}  | all ${pct}% ${humanBytes(p.overallBytes)}/` +
    `${humanBytes(p.overallTotalBytes)}  ${humanBytes(rate)}/s  ETA ${eta}`;
}
