import { CtdlError } from "../errors.ts";
import { concat } from "../wire/bytes.ts";
import { type Entry, INLINE_MAX } from "./entry.ts";

/** Blob parts written by one commit of their own; keeps the part commits within KV's limit. */
const PARTS_PER_COMMIT = 10;

/** Values up to this size have their parts written in the commit that points at them. */
export const BLOB_IN_COMMIT_MAX = 256 * 1024;

/**
 * Adds a big value's parts `["b", id, n]` to the commit that points at them (for values up
 * to BLOB_IN_COMMIT_MAX): one commit instead of two, and nothing left over by a crash.
 */
export function blobInCommit(
  atomic: Deno.AtomicOperation,
  value: Uint8Array,
): { id: string; parts: number } {
  const id = crypto.randomUUID();
  const parts = Math.ceil(value.length / INLINE_MAX);
  for (let q = 0; q < parts; q++) {
    atomic.set(["b", id, q], value.subarray(q * INLINE_MAX, (q + 1) * INLINE_MAX));
  }
  return { id, parts };
}

/**
 * Writes a bigger value's parts `["b", id, n]` before the commit that points at them. They are
 * invisible until then; a crash in between leaves only unreferenced parts, never a half
 * record.
 */
export async function stageBlob(
  kv: Deno.Kv,
  value: Uint8Array,
): Promise<{ id: string; parts: number }> {
  const id = crypto.randomUUID();
  const parts = Math.ceil(value.length / INLINE_MAX);
  for (let p = 0; p < parts; p += PARTS_PER_COMMIT) {
    const atomic = kv.atomic();
    for (let q = p; q < Math.min(parts, p + PARTS_PER_COMMIT); q++) {
      atomic.set(["b", id, q], value.subarray(q * INLINE_MAX, (q + 1) * INLINE_MAX));
    }
    const res = await atomic.commit();
    if (!res.ok) throw new CtdlError(510, "could not store a large value");
  }
  return { id, parts };
}

/** Deletes a blob's parts (after the commit that stopped pointing at them). */
export async function deleteBlob(kv: Deno.Kv, id: string): Promise<void> {
  const keys: Deno.KvKey[] = [];
  for await (const r of kv.list({ prefix: ["b", id] })) keys.push(r.key);
  for (let p = 0; p < keys.length; p += 500) {
    const atomic = kv.atomic();
    for (const k of keys.slice(p, p + 500)) atomic.delete(k);
    await atomic.commit();
  }
}

/** KV's getMany takes ten keys at a time; this takes any number, in parallel. */
export async function getValues<T>(kv: Deno.Kv, keys: Deno.KvKey[]): Promise<(T | null)[]> {
  const calls: Promise<Deno.KvEntryMaybe<T>[]>[] = [];
  for (let p = 0; p < keys.length; p += 10) {
    calls.push(kv.getMany<T[]>(keys.slice(p, p + 10)));
  }
  return (await Promise.all(calls)).flat().map((r) => r.value);
}

/** Parts `first..last` of a blob; a missing part is damage. */
export async function blobParts(
  kv: Deno.Kv,
  id: string,
  first: number,
  last: number,
): Promise<Uint8Array[]> {
  const keys: Deno.KvKey[] = [];
  for (let q = first; q <= last; q++) keys.push(["b", id, q]);
  const parts = await getValues<Uint8Array>(kv, keys);
  return parts.map((p, j) => {
    if (!(p instanceof Uint8Array)) {
      throw new CtdlError(510, `store is damaged: part ${first + j} of blob ${id} is missing`);
    }
    return p;
  });
}

/** A record's whole value: inline, or its blob parts joined. */
export async function valueOf(kv: Deno.Kv, e: Entry): Promise<Uint8Array> {
  if (e.v) return e.v;
  if (!e.b) throw new CtdlError(510, "store is damaged: record has neither value nor blob");
  const value = concat(await blobParts(kv, e.b.id, 0, e.b.parts - 1));
  if (value.length !== e.n) throw new CtdlError(510, `store is damaged: blob ${e.b.id} size`);
  return value;
}

/** `length` bytes at `offset` of a record's value, loading only the parts they span. */
export async function valueRange(
  kv: Deno.Kv,
  e: Entry,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  const end = Math.min(e.n, offset + length);
  if (offset >= end) return new Uint8Array(0);
  if (e.v) return e.v.subarray(offset, end);
  const first = Math.floor(offset / INLINE_MAX);
  const last = Math.floor((end - 1) / INLINE_MAX);
  const joined = concat(await blobParts(kv, e.b!.id, first, last));
  return joined.subarray(offset - first * INLINE_MAX, end - first * INLINE_MAX);
}
