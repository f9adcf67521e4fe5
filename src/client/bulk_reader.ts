import { addToDigest, digestHex } from "../wire/digest.ts";
import { recordHash } from "../wire/record_hash.ts";
import { type KeyPart, readKey } from "../wire/record_key.ts";
import { keyProblem, type TableName, TABLES } from "../store/tables.ts";
import type { Frame } from "../wire/chunks.ts";
import { RecordDecoder, RecordStreamError } from "../wire/record_stream.ts";
import type { CitadelClient } from "./connection.ts";
import { TransferError } from "./transfer_error.ts";

/** One record of a bulk reply, checked against its table. */
export interface BulkRecord {
  key: KeyPart[];
  value: Uint8Array | null;
  stamp: number;
  size: number;
  /**
   * When the key came in canonical form: its text and bytes (`encodeKey`) and the record's
   * recordHash, which the store reuses instead of encoding and hashing again.
   */
  known?: { text: string; kb: Uint8Array; hash?: bigint };
}

/** The header lines of a bulk reply. */
export interface BulkHeader {
  stamp: number;
  storeId: string;
  /** Every `key=value` header line (room replies add `room` and `seen`). */
  fields: Record<string, string>;
}

/**
 * Reads one bulk reply (`100`, header lines, CHUNK frames, `END n|digest`, `000`) and yields
 * its records in order, each checked: key shape, value codec, and at the end the record
 * count and digest against the END line. Damage, a refused command and a connection lost
 * or stalled mid-reply all raise TransferError: mid-pull, every failure means "run again".
 */
export async function* readBulk(
  client: CitadelClient,
  table: TableName,
  command: string,
  onHeader: (h: BulkHeader) => void,
): AsyncGenerator<BulkRecord> {
  for await (const batch of readBulkBatches(client, table, command, onHeader)) yield* batch;
}

/**
 * `readBulk` a chunk at a time: the records each CHUNK frame completes, checked as there.
 * A consumer that handles records synchronously (the pull) awaits once per frame, not once
 * per record.
 */
export async function* readBulkBatches(
  client: CitadelClient,
  table: TableName,
  command: string,
  onHeader: (h: BulkHeader) => void,
): AsyncGenerator<BulkRecord[]> {
  const first = await wireStep(table, () => client.command(command));
  if (first.code !== 100) throw new TransferError(`${command}: ${first.line}`, first.code);
  const header: Record<string, string> = {};
  const decoder = new RecordDecoder();
  let count = 0;
  let digest = 0n;
  let headerDone = false;
  while (true) {
    const frame: Frame = await wireStep(table, () => client.frame());
    if ("line" in frame) {
      const line = frame.line;
      if (!headerDone && /^[a-z]+=/.test(line)) {
        const eq = line.indexOf("=");
        header[line.slice(0, eq)] = line.slice(eq + 1);
        continue;
      }
      if (line.startsWith("ABORT ")) {
        await wireStep(table, () => client.readListing());
        throw new TransferError(`${table}: source aborted the reply: ${line.slice(6)}`);
      }
      const m = /^END (\d+)\|([0-9a-f]{16})$/.exec(line);
      if (!m) throw new TransferError(`${table}: unexpected line in reply: '${line.slice(0, 80)}'`);
      if (!headerDone) emitHeader();
      try {
        decoder.finish();
      } catch (e) {
        throw new TransferError(`${table}: ${(e as Error).message}`);
      }
      const tail = await wireStep(table, () => client.readReply());
      if (tail.line !== "000") throw new TransferError(`${table}: reply not closed by 000`);
      if (Number(m[1]) !== count || m[2] !== digestHex(digest)) {
        throw new TransferError(
          `${table}: reply had ${count} records/${digestHex(digest)}, source says ${m[1]}/${m[2]}`,
        );
      }
      return;
    }
    if (!headerDone) emitHeader();
    let recs;
    try {
      recs = decoder.push(frame.chunk);
    } catch (e) {
      if (e instanceof RecordStreamError) throw new TransferError(`${table}: ${e.message}`);
      throw e;
    }
    const batch: BulkRecord[] = [];
    for (const r of recs) {
      const read = readWireKey(table, r.key);
      const key = checkedKey(table, read.key, r.value);
      let hash: bigint | undefined;
      if (r.value) {
        hash = recordHash(r.key, r.value);
        digest = addToDigest(digest, hash);
      }
      count++;
      const size = r.key.length + (r.value?.length ?? 0);
      // The store hashes the canonical key bytes; a key sent in another JSON spelling
      // hashes differently, so only a canonical one passes its bytes and hash on.
      const known = read.canonical ? { text: read.text, kb: r.key, hash } : undefined;
      batch.push({ key, value: r.value, stamp: r.stamp, size, known });
    }
    if (batch.length > 0) yield batch;
  }

  function emitHeader() {
    headerDone = true;
    const stamp = Number(header.stamp);
    if (!Number.isSafeInteger(stamp) || !header.storeid) {
      throw new TransferError(`${table}: reply header lacks stamp or storeid`);
    }
    onHeader({ stamp, storeId: header.storeid, fields: header });
  }
}

/** Runs one read or write of a bulk reply; any failure of the wire becomes a TransferError. */
async function wireStep<T>(table: TableName, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof TransferError) throw e;
    throw new TransferError(`${table}: ${(e as Error).message}`);
  }
}

/** Decodes a record's key bytes (JSON); damage raises TransferError naming `where`. */
export function decodeWireKey(where: string, bytes: Uint8Array): KeyPart[] {
  return readWireKey(where, bytes).key;
}

/** `decodeWireKey` with the key's text and whether the bytes are canonical (`readKey`). */
function readWireKey(where: string, bytes: Uint8Array): ReturnType<typeof readKey> {
  try {
    return readKey(bytes);
  } catch (e) {
    throw new TransferError(`${where}: bad record key: ${(e as Error).message}`);
  }
}

/**
 * Checks one received record against its table: the key's shape and, for a put, that the
 * value decodes with the table's codec. Returns the key; damage raises TransferError.
 */
export function checkedKey(table: TableName, key: KeyPart[], value: Uint8Array | null): KeyPart[] {
  const def = TABLES[table];
  const problem = keyProblem(def, key);
  if (problem) throw new TransferError(`${table}: ${problem}`);
  if (value) {
    try {
      def.codec.decode(value);
    } catch (e) {
      throw new TransferError(`${table}: record ${JSON.stringify(key)}: ${(e as Error).message}`);
    }
  }
  return key;
}
