import type { Session } from "./session.ts";

/**
 * Single-user mode (the sync proposal's SNGL/ESNG): one Aide session holds the system while
 * it is copied. While held, logins by anyone else are refused and every write from any
 * other session is refused at the store's write path.
 *
 * It ends by ESNG, or by itself when the holder sends nothing for `expire` seconds, which
 * also covers a holder that disconnects and does not come back in time. A new session of
 * the same user may take it over (a pull that reconnects after a dropped connection).
 */
export class SingleUser {
  holder: Session | null = null;
  /** The user (key) that holds it; survives the holder's disconnect until expiry. */
  holderUser = "";
  expireSeconds = 0;
  since = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onEnd: (why: string) => void;

  constructor(onEnd: (why: string) => void) {
    this.#onEnd = onEnd;
  }

  /** True while the system is single-user. */
  get active(): boolean {
    return this.holderUser !== "";
  }

  /** Takes (or refreshes) single-user mode for `session`. */
  take(session: Session, userKey: string, expireSeconds: number): void {
    if (!this.active) this.since = Math.floor(Date.now() / 1000);
    this.holder = session;
    this.holderUser = userKey;
    this.expireSeconds = expireSeconds;
    this.touch(session);
  }

  /** Restarts the expiry timer when the holder is active. */
  touch(session: Session): void {
    if (!this.active || session !== this.holder) return;
    clearTimeout(this.#timer);
    // Silence is counted from the end of the holder's last command: a long SNGL wait or
    // a big SYNC reply is not idleness.
    this.#timer = setTimeout(() => {
      if (this.holder?.busy) this.touch(this.holder);
      else this.end("expired: holder idle");
    }, this.expireSeconds * 1000);
  }

  /** The holder's user logged in again: its new session becomes the holder. */
  adopt(session: Session): void {
    this.holder = session;
    this.touch(session);
  }

  /** True when `session` may write (no single-user mode, or it is the holder). */
  mayWrite(session: Session | undefined): boolean {
    return !this.active || session === undefined || session === this.holder;
  }

  /** Ends single-user mode. */
  end(why: string): void {
    if (!this.active) return;
    clearTimeout(this.#timer);
    this.holder = null;
    this.holderUser = "";
    this.#onEnd(why);
  }
}
