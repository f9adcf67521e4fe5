/**
 * A sync reply that arrived damaged, inconsistent or cut off, or a sync command the source
 * refused in the middle of a pull: the pull must be run again (exit 3). In a module of its
 * own so the CLI's error mapping does not load the bulk reader (and its hashing) at
 * start-up.
 */
export class TransferError extends Error {
  /** The server's reply code when it refused the command outright (before any data). */
  readonly refusedWith?: number;

  constructor(reason: string, refusedWith?: number) {
    super(reason);
    this.name = "TransferError";
    this.refusedWith = refusedWith;
  }
}
