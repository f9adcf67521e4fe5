import type { TableStats } from "../store/store.ts";
import type { Progress, TableReport } from "./pull.ts";

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

/** The summary printed at the end of a pull. */
export function pullSummary(reports: TableReport[]): string {
  const rows = reports.map((r) => [
    r.table,
    r.action,
    String(r.records),
    humanBytes(r.bytes),
    r.seconds.toFixed(2),
    r.verified ? "yes" : "NO",
  ]);
  return textTable(["table", "action", "records", "bytes", "seconds", "verified"], rows);
}

/** One progress line (records, bytes, rate, ETA), rewritten in place on a terminal. */
export function progressLine(p: Progress): string {
  const secs = Math.max((Date.now() - p.startedMs) / 1000, 0.001);
  const rate = p.bytes / secs;
  const left = Math.max(p.totalBytes - p.bytes, 0);
  const eta = rate > 0 ? Math.ceil(left / rate) : 0;
  return `${p.table.padEnd(13)} ${p.records}/${p.totalRecords} records  ${humanBytes(p.bytes)}  ` +
    `${humanBytes(rate)}/s  ETA ${eta}s`;
}
