/**
 * `SYNC all|follow|<stamp>[|<heartbeat>]`: the change feed a live replica follows. It
 * streams every change committed after `<stamp>`, across all tables and in stamp order, in
 * the bulk reply's CHUNK framing, as each commit lands. The session then waits on a KV
 * watch of the store's stamp (writes happen in this process, so it wakes within a few ms);
 * neither side polls.
 *
 * @module
 */
import { Code, CtdlError } from "../errors.ts";
import { addToDigest, digestHex } from "../wire/digest.ts";
import { recordHash } from "../wire/record_hash.ts";
import { encodeKey } from "../wire/record_key.ts";
import { changesAcross } from "../store/change_feed.ts";
import { encodeRecord } from "../wire/record_stream.ts";
import type { Session } from "./session.ts";

/** Seconds between heartbeats when nothing changes (the follower's read timeout is 3×). */
export const HEARTBEAT_SECONDS = 5;

/**
 * Runs the feed until the client sends a line (any line: it is consumed, not run), the
 * client goes away, or the session is closed (server stopping, single-user mode). A clean
 * end is `END <records>|<digest>` and `000`; the session then goes on.
 */
export async function followFeed(
  s: Session,
  sinceArg: string | undefined,
  hbArg: string | undefined,
): Promise<void> {
  if (!sinceArg || !/^\d{1,16}$/.test(sinceArg)) {
    throw new CtdlError(Code.ILLEGAL_VALUE, "follow takes a stamp (a number)");
  }
  if (hbArg !== undefined && !/^([1-9]|[1-5]\d|60)$/.test(hbArg)) {
    throw new CtdlError(Code.ILLEGAL_VALUE, "heartbeat must be 1 to 60 seconds");
  }
  const heartbeatMs = Number(hbArg ?? HEARTBEAT_SECONDS) * 1000;
  const store = s.server.store;
  let cursor = Number(sinceArg);
  await s.reply(`100 all|follow`);
  await s.reply(`table=all`);
  await s.reply(`stamp=${await store.stamp()}`);
  await s.reply(`storeid=${store.id}`);
  await s.reply(`heartbeat=${heartbeatMs / 1000}`);
  await s.flush();

  let stop = false;
  let wake: () => void = () => {};
  const stopped = () => {
    stop = true;
    wake();
  };
  // The stop line: whatever the client sends next ends the feed (null: it hung up).
  const stopLine = s.readLineDuringReply().then(stopped, stopped);
  s.closeSignal.addEventListener("abort", stopped, { once: true });
  const watch = store.kv.watch([["m", "stamp"]]).getReader();
  let changed = watch.read();
  const chunks = s.chunkWriter();
  let n = 0;
  let digest = 0n;
  let lastSent = 0; // a MARK goes out at once: the follower learns where the source stands
  try {
    while (!stop) {
      const su = s.server.singleUser;
      if (su.active && su.holder !== s) {
        // Someone is taking the system single-user (a cutover): nothing will change until
        // it ends, and this session would only hold up its wait. The follower reconnects.
        s.close();
        break;
      }
      const hi = await store.stamp();
      if (hi > cursor) {
        for await (const c of changesAcross(store, cursor, hi)) {
          const key = encodeKey([c.table, ...c.key]);
          await chunks.write(encodeRecord({ key, value: c.value, stamp: c.stamp }));
          if (c.value) digest = addToDigest(digest, recordHash(key, c.value));
          n++;
        }
        await chunks.end();
        cursor = hi;
      } else if (Date.now() - lastSent < heartbeatMs) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const woke = await Promise.race([
          changed.then(() => "changed"),
          new Promise((r) => {
            wake = () => r("stop");
            timer = setTimeout(r, heartbeatMs - (Date.now() - lastSent), "heartbeat");
          }),
        ]);
        clearTimeout(timer);
        if (woke === "changed") changed = watch.read();
        continue;
      }
      // After new records, and as the heartbeat when nothing changed.
      await s.reply(`MARK ${cursor}`);
      await s.flush();
      lastSent = Date.now();
    }
  } catch (e) {
    if (s.closeSignal.aborted) return;
    // Mid-stream a failure can only end the reply; the client reconnects and resumes.
    await chunks.end().catch(() => {});
    await s.reply(`ABORT ${(e as Error).message.replace(/\n/g, " ")}`).catch(() => {});
    await s.reply("000").catch(() => {});
    s.close();
    return;
  } finally {
    await watch.cancel().catch(() => {});
  }
  // Closed by the server: the connection goes with the session, so the line never comes.
  if (!s.closeSignal.aborted) await stopLine;
  await s.reply(`END ${n}|${digestHex(digest)}`);
  await s.reply("000");
}
