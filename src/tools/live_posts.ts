/**
 * Posting and reading messages through the client protocol, as a user would: what the
 * follow tests and `bench/follow.ts` use to measure a replica from outside.
 *
 * @module
 */
import type { CitadelClient } from "../client/connection.ts";

/** Posts a message with `ENT0` (with confirmation) in the current room; returns its number. */
export async function postViaClient(
  c: CitadelClient,
  subject: string,
  body: string,
): Promise<number> {
  const r = await c.command(`ENT0 1||0|0|${subject}||1`);
  if (r.code !== 800) throw new Error(`ENT0: ${r.line}`);
  for (const line of body.split("\n")) await c.send(line);
  await c.send("000");
  const [num, status] = await c.readListing();
  const n = Number(num);
  if (!(n > 0)) throw new Error(`post refused: ${status}`);
  return n;
}

/** The text lines of message `n` (`MSG0 n|2`), or null while it cannot be read. */
export async function readViaClient(c: CitadelClient, n: number): Promise<string[] | null> {
  const r = await c.command(`MSG0 ${n}|2`);
  if (r.code !== 100) return null;
  return await c.readListing();
}
