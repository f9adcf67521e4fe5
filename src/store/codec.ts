/**
 * Record codecs: a record's value in the store is bytes, and these turn those bytes into
 * typed objects and back.
 *
 * Bytes are the unit of digests and of the wire, so they must be canonical: the same object
 * always encodes to the same bytes. The JSON codec therefore writes fields in one fixed
 * order and rejects values of the wrong type on the way out and in.
 *
 * @module
 */

import { defaultOf, fitsType, type RecordSchema } from "../schema/record.ts";

/** Turns one table's values into typed objects and back. */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  /** Throws `Error` with a reason when the bytes are not a valid record. */
  decode(bytes: Uint8Array): T;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });
const laxDecoder = new TextDecoder();

/**
 * The codec of a record type declared in src/schema/: a JSON object with the schema's fields
 * in the schema's order, each checked against its type both ways. A field marked `added`
 * (declared after records were stored) may be absent from stored bytes and reads as its
 * default; every other field must be present, and nothing else may be.
 */
export function schemaCodec<T extends object>(schema: RecordSchema<T>): Codec<T> {
  const check = (obj: Record<string, unknown>, what: string) => {
    for (const f of schema.fields) {
      const v = obj[f.name];
      if (v === undefined && f.added) continue;
      if (!fitsType(f, v)) {
        throw new Error(`${what}: field '${f.name}' is ${JSON.stringify(v)}, not ${f.type}`);
      }
    }
  };
  return {
    encode(value: T): Uint8Array {
      const obj = value as unknown as Record<string, unknown>;
      check(obj, "cannot encode");
      const ordered: Record<string, unknown> = {};
      for (const f of schema.fields) ordered[f.name] = obj[f.name] ?? defaultOf(f);
      return encoder.encode(JSON.stringify(ordered));
    },
    decode(bytes: Uint8Array): T {
      let parsed: unknown;
      try {
        parsed = JSON.parse(strictDecoder.decode(bytes));
      } catch {
        throw new Error("value is not JSON text");
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new Error("value is not a JSON object");
      }
      const obj = parsed as Record<string, unknown>;
      check(obj, "corrupt value");
      for (const f of schema.fields) {
        if (obj[f.name] === undefined) obj[f.name] = defaultOf(f); // `added`, older bytes
      }
      if (Object.keys(obj).length !== schema.fields.length) {
        throw new Error("value has unknown fields");
      }
      return parsed as T;
    },
  };
}

/** Raw bytes, kept exactly (messages, system messages). */
export const bytesCodec: Codec<Uint8Array> = {
  encode: (v) => v,
  decode: (b) => b,
};

/** A UTF-8 string, kept as is (config values); invalid UTF-8 is replaced, never rejected. */
export const textCodec: Codec<string> = {
  encode: (v) => encoder.encode(v),
  decode: (b) => laxDecoder.decode(b),
};

/** A decimal integer as text (control record counters). */
export const intCodec: Codec<number> = {
  encode: (v) => {
    if (!Number.isSafeInteger(v)) throw new Error(`cannot encode ${v} as an integer`);
    return encoder.encode(String(v));
  },
  decode: (b) => {
    const s = laxDecoder.decode(b);
    if (!/^-?\d{1,16}$/.test(s)) throw new Error(`'${s}' is not an integer`);
    return Number(s);
  },
};

/** The empty value: for set-like tables where the key says everything (message lists). */
export const emptyCodec: Codec<null> = {
  encode: () => new Uint8Array(0),
  decode: (b) => {
    if (b.length !== 0) throw new Error("value must be empty");
    return null;
  },
};
