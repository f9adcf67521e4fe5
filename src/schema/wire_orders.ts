/**
 * The orders in which Citadel's protocol lists record fields (AGUP, GETR), as field names of
 * the record schemas, so the compiler checks each name against the one declaration and a
 * reply is built from the record, not from a hand-kept list.
 *
 * @module
 */

import type { Room, User } from "./records.ts";

/** `AGUP` → `200 name|password|flags|timescalled|posted|axlevel|usernum|lastcall|purgedays`. */
export const AGUP_FIELDS = [
  "fullname",
  "password",
  "flags",
  "timescalled",
  "posted",
  "axlevel",
  "usernum",
  "lastcall",
  "purgedays",
] as const satisfies readonly (keyof User)[];

/** `GETR` → `200 name|password|dirname|flags|floor|order|defaultview|flags2|`. */
export const GETR_FIELDS = [
  "name",
  "password",
  "dirname",
  "flags",
  "floor",
  "order",
  "defaultview",
  "flags2",
] as const satisfies readonly (keyof Room)[];

/**
 * A record's fields in a protocol order, each as stored unless `shown` gives what the reply
 * shows instead (a password only to whom may see it, a mailbox name without its prefix).
 */
export function wireFields<T extends object, K extends keyof T>(
  record: T,
  order: readonly K[],
  shown: Partial<Record<K, string | number>> = {},
): (string | number)[] {
  return order.map((k) => (k in shown ? shown[k]! : record[k] as string | number));
}
