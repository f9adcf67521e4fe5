/**
 * Hashing imported clear-text passwords off the import's critical path: each hash starts at
 * once on one of the runtime's worker threads (at most one per core), the document goes on
 * streaming, and finished users are collected for the importer to write. A user is never
 * written with its clear text.
 *
 * @module
 */

import type { User } from "../store/tables.ts";
import { hashPassword } from "../store/users.ts";
import { cores, Limiter } from "./limiter.ts";

/** Users waiting for their hash before `submit` waits, so memory stays bounded. */
const MAX_WAITING = 10_000;

/**
 * Hashes started at once: two more than the cores, so that a core finishing one hash finds
 * the next already queued on the runtime's thread pool instead of waiting for this thread
 * to start it (70 hashes on 2 cores: 0.60 s with 2 in flight, 0.53 s with 4; more gains
 * nothing). Still bounded, so a document of thousands of users does not start thousands.
 */
export function hashesInFlight(): number {
  return cores() + 2;
}

/** Hashes users' passwords concurrently and hands back the users with their hashes. */
export class PasswordHasher {
  #limiter: Limiter;
  #pending = new Set<Promise<void>>();
  #done: User[] = [];
  #error: unknown;
  #start = 0;
  #end = 0;
  /** Passwords hashed so far. */
  hashed = 0;

  #hash: (fullname: string, clear: string) => Promise<string>;

  constructor(
    concurrency = hashesInFlight(),
    hash: (fullname: string, clear: string) => Promise<string> = (_, clear) => hashPassword(clear),
  ) {
    this.#limiter = new Limiter(concurrency);
    this.#hash = hash;
  }

  /** Starts hashing `user.password` (clear text); waits only when too many are waiting. */
  async submit(user: User): Promise<void> {
    const clear = user.password;
    const job: Promise<void> = this.#limiter.run(async () => {
      if (this.#start === 0) this.#start = performance.now();
      const password = await this.#hash(user.fullname, clear);
      this.#end = Math.max(this.#end, performance.now());
      this.hashed++;
      this.#done.push({ ...user, password });
    }).catch((e) => {
      this.#error ??= e;
    }).finally(() => this.#pending.delete(job));
    this.#pending.add(job);
    while (this.#pending.size >= MAX_WAITING) await Promise.race(this.#pending);
  }

  /** True when finished users are waiting to be taken. */
  get ready(): boolean {
    return this.#done.length > 0 || this.#error !== undefined;
  }

  /** The users whose hash is done, with it; throws the first hashing failure. */
  take(): User[] {
    if (this.#error) throw this.#error;
    return this.#done.splice(0);
  }

  /** Waits for every hash, then takes the rest. */
  async drain(): Promise<User[]> {
    while (this.#pending.size > 0) await Promise.race(this.#pending);
    return this.take();
  }

  /** Wall time from the first hash started to the last one done, in seconds. */
  get seconds(): number {
    return Math.round(this.#end - this.#start) / 1000;
  }
}
