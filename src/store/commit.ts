import { CtdlError } from "../errors.ts";
import { recordHash } from "../wire/record_hash.ts";
import { BLOB_IN_COMMIT_MAX, blobInCommit, deleteBlob, stageBlob } from "./blobs.ts";
import { dropFromRows, existing } from "./commit_reads.ts";
import {
  blobEntry,
  INLINE_MAX,
  inlineEntry,
  inlineEntrySize,
  LOG_ROW_CHARS,
  type LogRow,
  readEntry,
  readTomb,
  type Tomb,
  TOMB_MARK,
  tombEntry,
} from "./entry.ts";
import { isTableName, keyProblem, type TableName, TABLES } from "./tables.ts";
import type { MetaOp, Op } from "./types.ts";

/** KV allows 1000 mutations a commit. */
export const MUTATIONS_MAX = 1000;
/** KV allows 800 KiB a commit; keep a margin for what the estimate does not see. */
export const COMMIT_BYTES_MAX = 760 * 1024;
const KEY_BYTES_MAX = 1800;

/**
 * An op checked and made ready to commit: key text and bytes, and the record's hash. Done
 * once per op, before the write waits for its turn, so a batch writer prepares the next
 * batch while the previous commit runs on KV's thread.
 */
export interface PreparedOp extends Op {
  /** The key's JSON text: the key bytes' source and the log row entry. */
  text: string;
  kb: Uint8Array;
  /** `recordHash(kb, value)`, null for a delete. */
  hash: bigint | null;
}

const utf8 = new TextEncoder();

/**
 * What a caller already computed for an op: the key's canonical text and bytes
 * (`encodeKey`) and `recordHash` of those bytes and the value. The pull has them from
 * reading and checking the reply, so the record is encoded and hashed once.
 */
export interface KnownParts {
  text?: string;
  kb?: Uint8Array;
  hash?: bigint;
}

/**
 * Key bytes are written into shared chunks rather than a buffer each: a small typed array
 * costs about 2 µs to allocate here (its own backing store), more than encoding the key.
 * A chunk lives as long as any key bytes in it are referenced.
 */
const KEY_CHUNK = 64 * 1024;
let keyChunk = new Uint8Array(KEY_CHUNK);
let keyAt = 0;

/** The UTF-8 bytes of a key's text, as a view of the current key chunk. */
function keyBytes(text: string): Uint8Array {
  // Three bytes a UTF-16 unit at most; a text too long for any chunk is encoded on its own.
  if (text.length * 3 > KEY_CHUNK / 4) return utf8.encode(text);
  if (keyAt + text.length * 3 > KEY_CHUNK) {
    keyChunk = new Uint8Array(KEY_CHUNK);
    keyAt = 0;
  }
  const { written } = utf8.encodeInto(text, keyChunk.subarray(keyAt));
  const kb = new Uint8Array(keyChunk.buffer, keyAt, written);
  keyAt += written;
  return kb;
}

/** Checks an op and computes its key bytes and hash; refuses a bad table or key (511/512). */
export function prepareOp(op: Op | PreparedOp, known?: KnownParts): PreparedOp {
  if ("kb" in op && op.kb instanceof Uint8Array) return op;
  if (!isTableName(op.table)) throw new CtdlError(512, `unknown table '${op.table}'`);
  const problem = keyProblem(TABLES[op.table], op.key);
  if (problem) throw new CtdlError(512, problem);
  const given = known?.text !== undefined && known.kb !== undefined;
  const text = given ? known.text! : JSON.stringify(op.key);
  const kb = given ? known.kb! : keyBytes(text);
  if (kb.length > KEY_BYTES_MAX) {
    throw new CtdlError(511, `key of ${kb.length} bytes in table ${op.table} is too long`);
  }
  const hash = op.value === null ? null : known?.hash ?? recordHash(kb, op.value);
  return { table: op.table, key: op.key, value: op.value, text, kb, hash };
}

/** A commit over KV's limits, refused before anything was written. */
export class CommitTooBig extends CtdlError {
  constructor(what: string) {
    super(511, `${what} in one commit is more than KV allows; write fewer records at once`);
  }
}

/** The stamp key as last seen: its value and versionstamp, for the commit's check. */
export interface StampSeen {
  value: number;
  versionstamp: string | null;
}

/** What a commit did: its stamp and the versionstamp KV gave it (null: nothing to write). */
export interface Committed {
  stamp: number;
  versionstamp: string | null;
}

/**
 * A commit built and ready but for its check on the stamp key: the reads it depends on are
 * done. `keys` and `rows` (records written, older log rows edited) let a writer tell
 * whether it was planned independently of the commit before it.
 */
export interface Plan {
  stamp: number;
  atomic: Deno.AtomicOperation;
  /** True when every op was a no-op and there is no meta: nothing to commit. */
  empty: boolean;
  keys: Set<string>;
  rows: Set<string>;
  freed: string[];
}

interface Sums {
  count: bigint;
  digest: bigint;
  bytes: bigint;
  row: number;
  rowChars: number;
  rows: LogRow[];
}

/** The id of an op's record across tables, as in Plan.keys. */
export function opId(op: PreparedOp): string {
  return op.table + "\0" + op.text;
}

/**
 * Builds the commit of prepared ops and meta as stamp `stamp`: reads what the ops replace,
 * then keeps, per table, count, digest and bytes (one `sum` each per commit, not per
 * record), the highest stamp, and the change log: one row per few hundred records, and the
 * entry each rewritten or deleted record had in an older row taken out of it. Refuses
 * (CommitTooBig) a commit over KV's limits before anything is written.
 */
export async function planCommit(
  kv: Deno.Kv,
  stamp: number,
  ops: PreparedOp[],
  meta: MetaOp[],
  staged: Map<Uint8Array, { id: string; parts: number }>,
): Promise<Plan> {
  const list = lastPerKey(ops);
  const [olds, tombs] = await Promise.all([
    existing(kv, "r", list, readEntry),
    existing(kv, "t", list, readTomb),
  ]);
  const atomic = kv.atomic();
  const sums = new Map<TableName, Sums>();
  const drops = new Map<string, { key: Deno.KvKey; texts: Set<string> }>();
  const drop = (table: TableName, at: Tomb, text: string) => {
    const id = `${table}\0${at.s}\0${at.g}`;
    let d = drops.get(id);
    if (!d) drops.set(id, d = { key: ["l", table, at.s, at.g], texts: new Set() });
    d.texts.add(text);
  };
  const freed: string[] = [];
  // Blob parts go in this commit when everything fits (a batch writer makes sure it does);
  // otherwise the big values are staged in commits of their own first.
  const inCommit = (op: PreparedOp) => op.value !== null && op.value.length <= BLOB_IN_COMMIT_MAX;
  const blobsInCommit = list.reduce(
    (n, op) => n + (inCommit(op) ? op.value!.length + 2 * op.kb.length + 80 : 0),
    0,
  ) <= COMMIT_BYTES_MAX;
  let mutations = 0;
  let bytes = 0;
  let inlineBytes = 0;
  for (const op of list) {
    if (op.value !== null && op.value.length <= INLINE_MAX) {
      inlineBytes += inlineEntrySize(op.value.length);
    }
  }
  const arena = new Arena(inlineBytes);
  for (let j = 0; j < list.length; j++) {
    const op = list[j];
    const old = olds[j];
    const tomb = tombs[j];
    const rkey = ["r", op.table, ...op.key];
    if (op.value === null && !old) continue;
    if (op.value !== null && old && old.h === op.hash && old.n === op.value.length) continue;
    const s = sumsOf(sums, op.table);
    const logText = op.value === null ? TOMB_MARK + op.text : op.text;
    if (s.rowChars + logText.length > LOG_ROW_CHARS && s.rows[s.row].length > 0) {
      s.row++;
      s.rows.push([]);
      s.rowChars = 0;
    }
    s.rows[s.row].push(logText);
    s.rowChars += logText.length;
    bytes += 2 * op.kb.length + 48;
    if (old) {
      drop(op.table, old, op.text);
      s.digest -= old.h;
      s.bytes -= BigInt(old.n);
      if (old.b) freed.push(old.b.id);
    }
    if (op.value === null) {
      atomic.delete(rkey).set(["t", op.table, ...op.key], tombEntry(stamp, s.row));
      mutations += 2;
      s.count -= 1n;
      continue;
    }
    let entry: Uint8Array;
    if (op.value.length <= INLINE_MAX) {
      entry = inlineEntry(
        stamp,
        s.row,
        op.hash!,
        op.value,
        arena.take(inlineEntrySize(op.value.length)),
      );
      bytes += entry.length;
    } else {
      let blob = staged.get(op.value);
      if (!blob && blobsInCommit && inCommit(op)) {
        blob = blobInCommit(atomic, op.value);
        bytes += op.value.length;
        mutations += blob.parts;
      } else if (!blob) staged.set(op.value, blob = await stageBlob(kv, op.value));
      entry = blobEntry(stamp, s.row, op.hash!, op.value.length, blob);
    }
    atomic.set(rkey, entry);
    mutations++;
    if (!old) s.count += 1n;
    if (tomb) {
      atomic.delete(["t", op.table, ...op.key]);
      mutations++;
      drop(op.table, tomb, TOMB_MARK + op.text);
    }
    s.digest += op.hash!;
    s.bytes += BigInt(op.value.length);
  }
  const keys = new Set(list.map(opId));
  const rows = new Set(drops.keys());
  if (sums.size === 0 && meta.length === 0) {
    return { stamp, atomic, empty: true, keys, rows, freed };
  }
  mutations += await dropFromRows(kv, atomic, drops);
  const wrap = (x: bigint) => BigInt.asUintN(64, x);
  for (const [t, s] of sums) {
    s.rows.forEach((row, g) => atomic.set(["l", t, stamp, g], row));
    if (s.count !== 0n) atomic.sum(["m", "count", t], wrap(s.count));
    if (s.digest !== 0n) atomic.sum(["m", "digest", t], wrap(s.digest));
    if (s.bytes !== 0n) atomic.sum(["m", "bytes", t], wrap(s.bytes));
    atomic.max(["m", "hi", t], BigInt(stamp));
    mutations += s.rows.length + 4;
  }
  for (const m of meta) {
    if (m.value === undefined) atomic.delete(["m", "x", ...m.key]);
    else atomic.set(["m", "x", ...m.key], m.value);
    bytes += JSON.stringify(m).length;
  }
  atomic.set(["m", "stamp"], stamp);
  mutations += meta.length + 1;
  if (mutations > MUTATIONS_MAX) throw new CommitTooBig(`${mutations} mutations`);
  if (bytes > COMMIT_BYTES_MAX) throw new CommitTooBig(`${bytes} bytes`);
  return { stamp, atomic, empty: false, keys, rows, freed };
}

/**
 * Commits a plan checked against the stamp key as seen (the stamp before the plan's):
 * null when another writer got there first, and the caller plans again.
 */
export async function finishCommit(
  kv: Deno.Kv,
  plan: Plan,
  seen: StampSeen,
): Promise<Committed | null> {
  if (plan.empty) return { stamp: seen.value, versionstamp: null };
  if (plan.stamp !== seen.value + 1) return null;
  plan.atomic.check({ key: ["m", "stamp"], versionstamp: seen.versionstamp });
  const res = await plan.atomic.commit();
  if (!res.ok) return null;
  for (const id of plan.freed) await deleteBlob(kv, id);
  return { stamp: plan.stamp, versionstamp: res.versionstamp };
}

/**
 * One buffer for the inline entries of one commit, handed out in slices: KV copies each
 * value when the commit runs, so the entries need not own their memory, and one
 * allocation per commit instead of one per record spares the garbage collector.
 */
class Arena {
  #buffer: Uint8Array;
  #at = 0;

  /** `size`: the bytes all entries will take (an upper bound: some ops turn out no-ops). */
  constructor(size: number) {
    this.#buffer = new Uint8Array(size);
  }

  take(n: number): Uint8Array {
    const out = new Uint8Array(this.#buffer.buffer, this.#at, n);
    this.#at += n;
    return out;
  }
}

function sumsOf(sums: Map<TableName, Sums>, t: TableName): Sums {
  let s = sums.get(t);
  if (!s) sums.set(t, s = { count: 0n, digest: 0n, bytes: 0n, row: 0, rowChars: 0, rows: [[]] });
  return s;
}

/** Later ops on the same key win, as if applied in order. */
function lastPerKey(ops: PreparedOp[]): PreparedOp[] {
  const byKey = new Map<string, PreparedOp>();
  for (const op of ops) {
    const id = opId(op);
    byKey.delete(id);
    byKey.set(id, op);
  }
  return byKey.size === ops.length ? ops : [...byKey.values()];
}
