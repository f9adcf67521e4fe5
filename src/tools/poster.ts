/**
 * A steady writer for tests and benchmarks of the online pull: one client session that
 * posts messages through the client protocol (GOTO, ENT0) at a fixed rate, as a person or
 * a busy gateway would while a pull runs.
 *
 * @module
 */

import { CitadelClient } from "../client/connection.ts";

/** A running poster. */
export interface Poster {
  /** Messages accepted so far. */
  readonly posted: number;
  /** Writes refused (e.g. 552 while the source is single-user). */
  readonly refused: number;
  /** Stops posting and logs out; resolves with the number of messages accepted. */
  stop(): Promise<number>;
  /** Resolves when the poster has ended (stopped, at `max`, or its session was closed). */
  readonly done: Promise<number>;
}

/** Logs in as `user` and posts `perSecond` messages a second into `room`, at most `max`. */
export async function startPoster(
  address: string,
  user: { name: string; password: string },
  opts: { perSecond: number; room?: string; max?: number },
): Promise<Poster> {
  const c = await CitadelClient.connect(address);
  await c.login(user.name, user.password);
  const room = opts.room ?? "Lobby";
  const g = await c.command(`GOTO ${room}`);
  if (g.code !== 200) throw new Error(`GOTO ${room}: ${g.line}`);
  let stopped = false;
  const state = { posted: 0, refused: 0 };
  const interval = 1000 / opts.perSecond;
  const done = (async () => {
    const start = performance.now();
    try {
      for (let i = 0; !stopped && i < (opts.max ?? Infinity); i++) {
        // Paced against the start, so a slow reply does not lower the rate.
        const due = start + i * interval - performance.now();
        if (due > 0) await new Promise((r) => setTimeout(r, due));
        if (stopped) break;
        const r = await c.command(`ENT0 1||0|0|online ${i}`);
        if (r.code !== 400) {
          state.refused++;
          continue;
        }
        await c.send(`Posted while a pull runs, number ${i}.`);
        await c.send("000");
        state.posted++;
      }
    } catch {
      // the session was closed (single-user mode ended it): the poster ends
    }
    return state.posted;
  })();
  return {
    get posted() {
      return state.posted;
    },
    get refused() {
      return state.refused;
    },
    done,
    async stop() {
      stopped = true;
      const n = await done;
      await c.quit();
      return n;
    },
  };
}
