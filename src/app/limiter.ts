/**
 * A bound on concurrent work: at most `max` tasks run at once, the rest wait in order.
 * Used for password hashing, which is CPU-bound and runs on the runtime's worker threads.
 *
 * @module
 */

/** Runs async tasks with at most `max` in flight. */
export class Limiter {
  readonly max: number;
  #running = 0;
  #waiting: (() => void)[] = [];

  constructor(max: number) {
    this.max = Math.max(1, max);
  }

  /** Runs `task` when a slot is free; resolves or rejects with it. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.max) await new Promise<void>((go) => this.#waiting.push(go));
    this.#running++;
    try {
      return await task();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}

/** The cores the runtime reports, at least 1: the natural bound for CPU-bound work. */
export function cores(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}
