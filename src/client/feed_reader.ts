/**
 * Reads the live change feed (`SYNC all|follow|<stamp>`): header lines, CHUNK frames of
 * records whose keys name their table, `MARK <stamp>` lines (everything up to that stamp
 * has been sent; repeated as the heartbeat), and `END`/`000` when the feed stops.
 *
 * @module
 */
import { CtdlError } from "../errors.ts";
import type { KeyPart } from "../wire/record_key.ts";
import { isTableName, type TableName } from "../store/tables.ts";
import { ChunkError, readFrame } from "../wire/chunks.ts";
import { RecordDecoder, RecordStreamError } from "../wire/record_stream.ts";
import { checkedKey, decodeWireKey } from "./bulk_reader.ts";
import { TransferError } from "./transfer_error.ts";
import { type CitadelClient, ConnectionError } from "./connection.ts";

/** One thing the feed said: a checked record, or a mark. */
export type FeedEvent =
  | {
    kind: "record";
    table: TableName;
    key: KeyPart[];
    value: Uint8Array | null;
    stamp: number;
    size: number;
  }
  | { kind: "mark"; stamp: number };

/** The feed's header lines. */
export interface FeedHeader {
  stamp: number;
  storeId: string;
  heartbeat: number;
}

/**
 * Sends `SYNC all|follow|<since>|<heartbeat>` and yields what arrives, each record checked
 * as a bulk reply's are. Nothing heard for three heartbeats closes the connection (a dead
 * link). When `stop` aborts, `STOP` is sent; the generator ends at the server's `END`.
 */
export async function* readFeed(
  client: CitadelClient,
  since: number,
  heartbeat: number,
  onHeader: (h: FeedHeader) => void,
  stop: AbortSignal,
): AsyncGenerator<FeedEvent> {
  const first = await client.command(`SYNC all|follow|${since}|${heartbeat}`);
  if (first.code !== 100) throw new CtdlError(first.code, `follow: ${first.text}`);
  const header: Record<string, string> = {};
  let headerDone = false;
  const decoder = new RecordDecoder();
  let silent = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      silent = true;
      client.close();
    }, ms);
  };
  const onStop = () => {
    client.send("STOP").catch(() => client.close());
    arm(2000); // a server that does not end the feed promptly is cut off
  };
  stop.addEventListener("abort", onStop, { once: true });
  if (stop.aborted) onStop();
  try {
    while (true) {
      if (!stop.aborted) arm(heartbeat * 3000);
      let frame;
      try {
        frame = await readFrame(client.reader);
      } catch (e) {
        if (silent) throw new ConnectionError(`nothing from the source for ${heartbeat * 3} s`);
        if (e instanceof ChunkError) throw new TransferError(`follow: ${e.message}`);
        throw e;
      }
      if ("chunk" in frame) {
        if (!headerDone) emitHeader();
        let recs;
        try {
          recs = decoder.push(frame.chunk);
        } catch (e) {
          if (e instanceof RecordStreamError) throw new TransferError(`follow: ${e.message}`);
          throw e;
        }
        for (const r of recs) {
          const [table, ...key] = decodeWireKey("follow", r.key);
          if (typeof table !== "string" || !isTableName(table)) {
            throw new TransferError(`follow: record key names no table: ${JSON.stringify(table)}`);
          }
          checkedKey(table, key, r.value);
          const size = r.key.length + (r.value?.length ?? 0);
          yield { kind: "record", table, key, value: r.value, stamp: r.stamp, size };
        }
        continue;
      }
      const line = frame.line;
      if (!headerDone && /^[a-z]+=/.test(line)) {
        const eq = line.indexOf("=");
        header[line.slice(0, eq)] = line.slice(eq + 1);
        continue;
      }
      if (!headerDone) emitHeader();
      const mark = /^MARK (\d{1,16})$/.exec(line);
      if (mark) {
        try {
          decoder.finish(); // a mark falls between records, never inside one
        } catch (e) {
          throw new TransferError(`follow: ${(e as Error).message}`);
        }
        yield { kind: "mark", stamp: Number(mark[1]) };
        continue;
      }
      if (line.startsWith("ABORT ")) throw new TransferError(`follow: source aborted: ${line}`);
      if (/^END \d+\|[0-9a-f]{16}$/.test(line)) {
        await client.readReply(); // the 000
        return;
      }
      throw new TransferError(`follow: unexpected line '${line.slice(0, 80)}'`);
    }
  } finally {
    clearTimeout(timer);
    stop.removeEventListener("abort", onStop);
  }

  function emitHeader() {
    headerDone = true;
    const stamp = Number(header.stamp);
    if (!Number.isSafeInteger(stamp) || !header.storeid) {
      throw new TransferError("follow: reply header lacks stamp or storeid");
    }
    onHeader({ stamp, storeId: header.storeid, heartbeat: Number(header.heartbeat) || heartbeat });
  }
}
