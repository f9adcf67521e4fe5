/**
 * Reading what a client sends after a 4xx or 8xx reply: lines up to `000`, with limits that
 * drop what is too much while still reading it, so the client stays in step.
 *
 * @module
 */

import { Code, CtdlError } from "../errors.ts";
import { toBinaryString } from "../message/binary_string.ts";
import { type BlockReader, LineTooLongError, MAX_LINE } from "../wire/block_reader.ts";

/** How a client-sent listing (after a 4xx or 8xx reply) is read. */
export interface ReadTextOptions {
  /** More lines than this are read and dropped, then 511 is thrown. */
  maxLines?: number;
  /** Text past this many bytes is read and dropped (Citadel truncates, the client stays in step). */
  maxBytes?: number;
  /** A longer line is read and dropped. */
  maxLineBytes?: number;
  /**
   * Lines as the bytes sent (binary strings, one char per byte), never decoded: message
   * bodies, so that what a client sends is what is stored.
   */
  binary?: boolean;
}

/**
 * Reads lines from `reader` up to `000` (not included). Too long lines and text past
 * `maxBytes` are read and dropped; more than `maxLines` lines are read, then 511 is thrown.
 */
export async function readClientText(
  reader: BlockReader,
  opts: ReadTextOptions = {},
): Promise<string[]> {
  const { maxLines = 1_000_000, maxBytes = Infinity, maxLineBytes = MAX_LINE } = opts;
  const binary = opts.binary ?? false;
  const lines: string[] = [];
  let bytes = 0;
  let tooMany = false;
  while (true) {
    let line: string | null;
    try {
      if (binary) {
        const raw = await reader.readLineBytes(maxLineBytes);
        line = raw === null ? null : toBinaryString(raw);
      } else {
        line = await reader.readLine(maxLineBytes);
      }
    } catch (e) {
      if (e instanceof LineTooLongError) continue;
      throw e;
    }
    if (line === null) throw new CtdlError(Code.ERROR, "connection closed during upload");
    if (line === "000") break;
    bytes += line.length + 1;
    if (lines.length >= maxLines) tooMany = true;
    else if (bytes <= maxBytes) lines.push(line);
  }
  if (tooMany) throw new CtdlError(Code.TOO_BIG, "too many lines");
  return lines;
}
