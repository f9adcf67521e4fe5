/** What single-user mode needs to know of a session. */
export interface Holder {
  readonly id: number;
  /** True while a command runs. */
  readonly busy: boolean;
  /** Bytes moved either way so far. */
  readonly progress: number;
}

/**
 * Single-user mode (the sync proposal's SNGL/ESNG): one Aide session holds the system while
 * it is copied. While held, logins by anyone else are refused and every write from any
 * other session is refused at the store's write path.
 *
 * It ends by ESNG, or by itself `expire` seconds after the holder's last command. A
 * holder still inside a command keeps it only while that command makes progress (moves
 * bytes) or waits in SNGL: a holder stuck writing to a client that does not read cannot
 * keep the system single-user forever. A new session of the same user may take it over
 * once the holder has gone (a pull that reconnects after a dropped connection).
 */
export class SingleUser {
  holder: Holder | null = null;
  /** The user (key) that holds it; survives the holder's disconnect until expiry. */
  holderUser = "";
  expireSeconds = 0;
  since = 0;
  /** Until when the holder waits in SNGL for other sessions (ms since the epoch). */
  waitUntil = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastProgress = -1;
  #onEnd: (why: string) => void;

  constructor(onEnd: (why: string) => void) {
    this.#onEnd = onEnd;
  }

  /** True while the system is single-user. */
  get active(): boolean {
    return this.holderUser !== "";
  }

  /** Takes (or refreshes) single-user mode for `session`. */
  take(session: Holder, userKey: string, expireSeconds: number): void {
    if (!this.active) this.since = Math.floor(Date.now() / 1000);
    this.holder = session;
    this.holderUser = userKey;
    this.expireSeconds = expireSeconds;
    this.touch(session);
  }

  /** Restarts the expiry timer when the holder is active. */
  touch(session: Holder): void {
    if (!this.active || session !== this.holder) return;
    clearTimeout(this.#timer);
    this.#lastProgress = -1;
    this.#arm();
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      const h = this.holder;
      const moving = h !== null && h.busy &&
        (h.progress !== this.#lastProgress || Date.now() < this.waitUntil);
      if (moving) {
        // A long SNGL wait or a big SYNC reply is not idleness.
        this.#lastProgress = h.progress;
        this.#arm();
      } else {
        this.end(h?.busy ? "expired: holder made no progress" : "expired: holder idle");
      }
    }, this.expireSeconds * 1000);
  }

  /** The holder's user logged in again: its new session becomes the holder. */
  adopt(session: Holder): void {
    this.holder = session;
    this.touch(session);
  }

  /** A session ended: if it held the mode, the mode waits (until expiry) for its user. */
  left(session: Holder): void {
    if (session === this.holder) this.holder = null;
  }

  /** True when `session` may write (no single-user mode, or it is the holder). */
  mayWrite(session: Holder | undefined): boolean {
    return !this.active || session === undefined || session === this.holder;
  }

  /** Ends single-user mode. */
  end(why: string): void {
    if (!this.active) return;
    clearTimeout(this.#timer);
    this.holder = null;
    this.holderUser = "";
    this.waitUntil = 0;
    this.#onEnd(why);
  }
}
