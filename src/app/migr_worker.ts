/**
 * The import worker: reads a MIGR document (a file it opens itself, or text chunks the
 * importing thread sends as it reads them off a socket), maps every record as the
 * in-thread import does (migr_elements.ts), prepares each op (key text and bytes, record
 * hash) and posts them in packed batches to the thread that owns the store. Parsing,
 * base64 decoding and hashing so run beside the store's commit work instead of before it.
 *
 * Messages (see migr_import.ts for the other side):
 *   in:  start {path?, hashConcurrency?} · chunk {text} · end · ack (a batch was taken)
 *   out: need (send the next chunk) · ops {packed} · progress {p} · done {tally} · error
 *
 * @module
 */

import { COMMIT_OPS_MAX } from "../store/batch_writer.ts";
import { type PreparedOp, prepareOp } from "../store/commit.ts";
import { packOps } from "../store/op_batch.ts";
import type { Op } from "../store/types.ts";
import { importRecords, ImportState, type OpSink } from "./migr_elements.ts";
import { failureOf } from "./migr_worker_protocol.ts";
import { fileText } from "./text_source.ts";

/** The worker's global scope (the default types describe a window). */
const scope = self as unknown as {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
};

/** Batches posted and not yet taken by the store's thread: bounds the worker's lead. */
const MAX_AHEAD = 4;
/** Bytes of values in one posted batch. */
const BATCH_BYTES = 512 * 1024;

/** Prepares ops here and posts them in batches; waits while MAX_AHEAD are not yet taken. */
class PostingSink implements OpSink {
  #ops: PreparedOp[] = [];
  #bytes = 0;
  #ahead = 0;
  #wake: (() => void) | undefined;

  add(op: Op): Promise<void> | undefined {
    const p = prepareOp(op);
    this.#ops.push(p);
    this.#bytes += p.value?.length ?? 0;
    if (this.#ops.length >= COMMIT_OPS_MAX || this.#bytes >= BATCH_BYTES) return this.#post();
  }

  async flush(): Promise<void> {
    if (this.#ops.length > 0) await this.#post();
  }

  /** The store's thread took a batch. */
  taken(): void {
    this.#ahead--;
    this.#wake?.();
    this.#wake = undefined;
  }

  async #post(): Promise<void> {
    const { packed, transfer } = packOps(this.#ops);
    this.#ops = [];
    this.#bytes = 0;
    scope.postMessage({ type: "ops", packed }, [transfer]);
    this.#ahead++;
    while (this.#ahead > MAX_AHEAD) await new Promise<void>((go) => this.#wake = go);
  }
}

/** Text chunks asked of the importing thread one at a time ("need"), until "end". */
class ChunkQueue {
  #waiting: ((chunk: string | null) => void) | undefined;

  put(chunk: string | null): void {
    this.#waiting?.(chunk);
    this.#waiting = undefined;
  }

  async *text(): AsyncGenerator<string> {
    while (true) {
      const chunk = await new Promise<string | null>((got) => {
        this.#waiting = got;
        scope.postMessage({ type: "need" });
      });
      if (chunk === null) return;
      yield chunk;
    }
  }
}

const sink = new PostingSink();
const chunks = new ChunkQueue();

async function run(start: { path?: string; hashConcurrency?: number }): Promise<void> {
  const st = new ImportState(sink, {
    hashConcurrency: start.hashConcurrency,
    onProgress: (p) => scope.postMessage({ type: "progress", p }),
  });
  try {
    await importRecords(st, start.path !== undefined ? fileText(start.path) : chunks.text());
    scope.postMessage({ type: "done", tally: st.tally() });
  } catch (e) {
    scope.postMessage(failureOf(e));
  }
}

scope.onmessage = (e: MessageEvent) => {
  const m = e.data;
  if (m.type === "ack") sink.taken();
  else if (m.type === "chunk") chunks.put(m.text);
  else if (m.type === "end") chunks.put(null);
  else if (m.type === "start") run(m);
};
