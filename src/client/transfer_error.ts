/**
 * A sync reply that arrived damaged or inconsistent: the pull must be run again (exit 3).
 * In a module of its own so the CLI's error mapping does not load the bulk reader (and
 * its hashing) at start-up.
 */
export class TransferError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "TransferError";
  }
}
