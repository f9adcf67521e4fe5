/**
 * What `ctdlsync import` prints: records per table, what the importer could not place, and
 * a progress line for the terminal.
 *
 * @module
 */

import type { TableName } from "../store/tables.ts";

/** What an import did: per table, records now in the store; what it could not place. */
export interface ImportReport {
  /** The export's `<version>` (Citadel's REV_LEVEL, e.g. "902"). */
  version: string;
  seconds: number;
  /** Clear-text passwords hashed (PBKDF2) and the wall time that took. */
  passwordsHashed: number;
  hashSeconds: number;
  /** Accounts exported without a password (a locked value): they need one set here. */
  locked: number;
  /** Elements read, by name (`config`, `user`, ..., `msglist pointers`). */
  elements: Record<string, number>;
  /** Records in each table after the import. */
  tables: Record<TableName, number>;
  /** Records each table should hold according to the document. */
  expected: Partial<Record<TableName, number>>;
  /** Elements, fields and attributes the importer does not know, by name, with counts. */
  unknown: Record<string, number>;
  warnings: string[];
}

/** Progress of a running import: the export's own `<progress>` percentage and counts. */
export interface ImportProgress {
  percent: number;
  records: number;
  line: number;
}

/** Options of an import. */
export interface ImportOptions {
  onProgress?: (p: ImportProgress) => void;
  /** PBKDF2 hashes computed at once (default: hashesInFlight(), the cores + 2). */
  hashConcurrency?: number;
  /**
   * Hashes a user's clear password (default: a fresh salt). `verify` hashes with the local
   * record's salt, so an unchanged password gives the same record and the same digest.
   */
  hashPassword?: (fullname: string, clear: string) => Promise<string>;
  /** `importMigrFile`: told of its staging directory (see StagingHooks in staging.ts). */
  onStage?: (stage: string) => () => void;
  /**
   * true: read and map the document on this thread; false: on a worker thread; absent: by
   * size (see WORKER_MIN_BYTES in migr_import.ts).
   */
  inThread?: boolean;
}

function rows(head: [string, string], body: [string, string][]): string[] {
  const w0 = Math.max(head[0].length, ...body.map((r) => r[0].length));
  const w1 = Math.max(head[1].length, ...body.map((r) => r[1].length));
  const fmt = (r: [string, string]) => `${r[0].padEnd(w0)}  ${r[1].padStart(w1)}`;
  return [fmt(head), `${"-".repeat(w0)}  ${"-".repeat(w1)}`, ...body.map(fmt)];
}

/** The summary printed at the end of an import. */
export function importSummary(r: ImportReport): string {
  const out = [
    `imported a Citadel ${r.version || "(unknown version)"} MIGR export in ${r.seconds} s ` +
    `(${r.passwordsHashed} passwords hashed in ${r.hashSeconds} s)` +
    (r.locked > 0 ? `; ${r.locked} accounts came without a password: set one (ASUP)` : ""),
    "",
    ...rows(
      ["table", "records"],
      Object.entries(r.tables).map(([t, n]) => {
        const want = r.expected[t as keyof typeof r.expected];
        return [t, want !== undefined && want !== n ? `${n} (export: ${want})` : String(n)];
      }),
    ),
  ];
  const unknown = Object.entries(r.unknown);
  if (unknown.length > 0) {
    out.push("", "not imported (unknown to this importer):");
    for (const [name, n] of unknown) out.push(`  ${name}  x${n}`);
  }
  if (r.warnings.length > 0) {
    out.push("", "warnings:");
    for (const w of r.warnings) out.push(`  ${w}`);
  }
  return out.join("\n");
}

/** One progress line: the export's own percentage, records and the line reached. */
export function importProgressLine(p: ImportProgress): string {
  return `importing: ${String(p.percent).padStart(3)} %  ${p.records} records  line ${p.line}`;
}
