/**
 * How a record type is declared: each field once, with its type, its Citadel MIGR element
 * name and its default. Everything else that lists a record's fields (the store codec, the
 * `new*Record` defaults, the MIGR import and export) is derived from one of these, so a new
 * field is one line in `records.ts`.
 *
 * Field order is the canonical order of the stored bytes, so it never changes; a field added
 * later goes at the end with `added: true`, and records stored before it decode with its
 * default (see codec.ts).
 *
 * @module
 */

/** A field's value type: a safe integer or a string. */
export type FieldType = "int" | "string";

/** One field of a record type. */
export interface FieldDef {
  readonly type: FieldType;
  /** Citadel's MIGR element name; absent when MIGR does not carry the field. */
  readonly migr?: string;
  /** The value when none is given; a function for defaults like "now". */
  readonly default: number | string | (() => number | string);
  /** Added after records were first stored: records without it decode with the default. */
  readonly added?: boolean;
}

/** A record type's fields, in canonical order. */
export type Fields = Readonly<Record<string, FieldDef>>;

/** The TypeScript shape of a record with fields `F`. */
export type RecordOf<F extends Fields> = {
  -readonly [K in keyof F]: F[K]["type"] extends "int" ? number : string;
};

/** One field with its name, as schemas hand them out in order. */
export interface NamedField extends FieldDef {
  readonly name: string;
}

/** A record type: its name and its fields (a live list: `extendSchema` can add to it). */
export interface RecordSchema<T extends object> {
  readonly name: string;
  readonly fields: NamedField[];
  /** Fields by name (kept in step with `fields`). */
  readonly byName: Map<string, NamedField>;
  /** Phantom: the record's TypeScript type. */
  readonly _type?: T;
}

/** Declares a record type. */
export function defineRecord<F extends Fields>(name: string, fields: F): RecordSchema<RecordOf<F>> {
  const list = Object.entries(fields).map(([n, d]) => ({ name: n, ...d }));
  return { name, fields: list, byName: new Map(list.map((f) => [f.name, f])) };
}

/**
 * Adds a field at the end of a record type, for every codec and mapping built from it (tests
 * use this to see one field travel through store, SYNC and MIGR). Marked `added`, so records
 * stored without it still decode.
 */
export function extendSchema<T extends object>(
  schema: RecordSchema<T>,
  name: string,
  def: FieldDef,
): void {
  if (schema.byName.has(name)) throw new Error(`${schema.name} already has a field '${name}'`);
  const field = { name, ...def, added: true };
  schema.fields.push(field);
  schema.byName.set(name, field);
}

/** Removes a field added with {@link extendSchema} (tests undo their extension). */
export function unextendSchema<T extends object>(schema: RecordSchema<T>, name: string): void {
  const field = schema.byName.get(name);
  if (!field?.added) throw new Error(`${schema.name}.${name} was not added by extendSchema`);
  schema.fields.splice(schema.fields.indexOf(field), 1);
  schema.byName.delete(name);
}

/** A field's default value. */
export function defaultOf(field: FieldDef): number | string {
  return typeof field.default === "function" ? field.default() : field.default;
}

/** A record of type `schema` with every field at its default, then `given` over it. */
export function withDefaults<T extends object>(schema: RecordSchema<T>, given: Partial<T>): T {
  const out: Record<string, unknown> = {};
  const g = given as Record<string, unknown>;
  for (const f of schema.fields) out[f.name] = g[f.name] !== undefined ? g[f.name] : defaultOf(f);
  return out as T;
}

/** True when `v` has the field's type. */
export function fitsType(field: FieldDef, v: unknown): boolean {
  return field.type === "string" ? typeof v === "string" : Number.isSafeInteger(v);
}
