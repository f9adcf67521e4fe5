/**
 * One line per event on stderr, the shape a journal wants. Tests and the demo may silence
 * it; errors are still printed.
 */
export const log = {
  quiet: false,
  info(message: string): void {
    if (!this.quiet) console.error(`ctdlsync: ${message}`);
  },
  error(message: string): void {
    console.error(`ctdlsync: error: ${message}`);
  },
};
