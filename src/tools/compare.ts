import type { Store } from "../store/store.ts";
import { compareKeys } from "../wire/record_key.ts";
import { TABLE_NAMES, type TableName } from "../store/tables.ts";

/** One place where two stores differ. */
export interface StoreDifference {
  table: TableName;
  key: string;
  why: "only in first" | "only in second" | "value differs";
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Compares two stores record by record (a merge over both tables' key order), beyond what
 * digests say; returns at most `limit` differences.
 */
export async function compareStores(a: Store, b: Store, limit = 20): Promise<StoreDifference[]> {
  const out: StoreDifference[] = [];
  for (const table of TABLE_NAMES) {
    const ia = a.list(table);
    const ib = b.list(table);
    let ra = await ia.next();
    let rb = await ib.next();
    while ((!ra.done || !rb.done) && out.length < limit) {
      const ka = ra.done ? null : JSON.stringify(ra.value.key);
      const kb = rb.done ? null : JSON.stringify(rb.value.key);
      if (ka !== null && ka === kb) {
        if (!bytesEqual(ra.value!.value, rb.value!.value)) {
          out.push({ table, key: ka, why: "value differs" });
        }
        ra = await ia.next();
        rb = await ib.next();
      } else if (
        kb === null || (ka !== null && !rb.done && compareKeys(ra.value!.key, rb.value!.key) < 0)
      ) {
        out.push({ table, key: ka!, why: "only in first" });
        ra = await ia.next();
      } else {
        out.push({ table, key: kb!, why: "only in second" });
        rb = await ib.next();
      }
    }
    await ia.return(undefined);
    await ib.return(undefined);
  }
  return out;
}
