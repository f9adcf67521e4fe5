/**
 * The import worker's failure message, shared by the worker (migr_worker.ts) and the thread
 * that runs it (migr_import.ts), so an error crosses threads as the same error.
 *
 * @module
 */

import { CtdlError } from "../errors.ts";
import { MigrFormatError } from "../migr/xml_reader.ts";

/** What the worker posts when the import fails: enough to rebuild the same error. */
export interface WorkerFailure {
  type: "error";
  kind: "format" | "ctdl" | "other";
  line: number;
  element: string;
  reason: string;
  code: number;
}

/** Rebuilds the error a worker posted, as the in-thread import would have thrown it. */
export function failureError(f: WorkerFailure): Error {
  if (f.kind === "format") return new MigrFormatError(f.line, f.element, f.reason);
  if (f.kind === "ctdl") return new CtdlError(f.code, f.reason);
  return new Error(f.reason);
}

/** What a worker posts for error `e`. */
export function failureOf(e: unknown): WorkerFailure {
  const base = { type: "error" as const, line: 0, element: "", code: 510 };
  if (e instanceof MigrFormatError) {
    return { ...base, kind: "format", line: e.line, element: e.element, reason: e.reason };
  }
  if (e instanceof CtdlError) return { ...base, kind: "ctdl", code: e.code, reason: e.message };
  return { ...base, kind: "other", reason: (e as Error)?.message ?? String(e) };
}
