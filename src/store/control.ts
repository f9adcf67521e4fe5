import { type Op, type Reader, type Store } from "./store.ts";
import { TABLES } from "./tables.ts";

/**
 * The control record's counters. Each holds the last number handed out: Citadel's
 * MMhighest (messages), MMnextuser and MMnextroom. Numbers are never reused.
 */
export type Counter = "MMhighest" | "MMnextuser" | "MMnextroom" | "MMflags";

/** Bits of the control record's MMflags. */
export const ControlFlag = {
  /** MM_VALID: some user has registered and waits for validation (GNUR looks only then). */
  VALID: 4,
} as const;

/** Reads a control counter (0 when never set). */
export async function readCounter(r: Reader | Store, name: Counter): Promise<number> {
  const bytes = await r.get("control", [name]);
  return bytes ? TABLES.control.codec.decode(bytes) : 0;
}

/** The op that sets a control counter. */
export function counterOp(name: Counter, value: number): Op {
  return { table: "control", key: [name], value: TABLES.control.codec.encode(value) };
}

const encoder = new TextEncoder();

/** Reads one config value (`c_nodename` ...), or `fallback`. */
export async function readConfig(r: Reader | Store, name: string, fallback = ""): Promise<string> {
  const bytes = await r.get("config", [name]);
  return bytes ? TABLES.config.codec.decode(bytes) : fallback;
}

/** The op that sets a config value. */
export function configOp(name: string, value: string): Op {
  return { table: "config", key: [name], value: encoder.encode(value) };
}

/** Every config key and value, in key order. */
export async function readAllConfig(store: Store): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const rec of store.list("config")) {
    out.set(rec.key[0] as string, TABLES.config.codec.decode(rec.value));
  }
  return out;
}
