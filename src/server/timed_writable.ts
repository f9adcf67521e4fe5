/**
 * Wraps a socket's writable side so that one write that cannot finish within `seconds`
 * (a client that stopped reading: its receive window is full) calls `onStall` and fails,
 * instead of holding the session, and anything waiting for it, forever.
 */
export function timedWritable(
  inner: WritableStream<Uint8Array>,
  seconds: () => number,
  onStall: () => void,
): WritableStream<Uint8Array> {
  const writer = inner.getWriter();
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      const secs = seconds();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          onStall();
          reject(new Deno.errors.TimedOut(`write stalled for ${secs} s`));
        }, secs * 1000);
      });
      try {
        await (secs > 0 ? Promise.race([writer.write(chunk), stalled]) : writer.write(chunk));
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await writer.close();
    },
    async abort(reason) {
      await writer.abort(reason);
    },
  });
}
