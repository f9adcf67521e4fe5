/**
 * A loopback TCP proxy for robustness tests: it forwards a client to a server and can cut
 * the server-to-client stream after N bytes (a dropped connection mid-chunk) or flip one
 * byte at offset N (corruption on the wire); `flipUpAt` flips the lowest bit of the byte at
 * offset N of the client-to-server stream (a damaged command: `SYNC` becomes `RYNC`);
 * `stall()` silences the connections open now (a dead link that stays open: nothing more
 * reaches their clients; new connections work).
 */
export function startProxy(
  target: { hostname: string; port: number },
  opts: {
    cutAfter?: number;
    flipAt?: number;
    flipUpAt?: number;
    /** Runs before each client-to-server block is passed on (to act on what the client sent). */
    beforeUp?: (block: Uint8Array) => Promise<void>;
  },
) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const live: { stalled: boolean }[] = [];
  const accepting = (async () => {
    for await (const client of listener) {
      const server = await Deno.connect(target);
      conns.push(client, server);
      const state = { stalled: false };
      live.push(state);
      pump(client, server, { flipAt: opts.flipUpAt, mask: 0x01, before: opts.beforeUp })
        .catch(() => {});
      pump(server, client, { ...opts, state }).catch(() => {});
    }
  })().catch(() => {});
  return {
    address: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    stall() {
      for (const st of live) st.stalled = true;
    },
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // closed
        }
      }
      await accepting;
    },
  };
}

async function pump(
  from: Deno.Conn,
  to: Deno.Conn,
  opts: {
    cutAfter?: number;
    flipAt?: number;
    mask?: number;
    before?: (block: Uint8Array) => Promise<void>;
    state?: { stalled: boolean };
  },
) {
  let seen = 0;
  const buf = new Uint8Array(64 * 1024);
  try {
    while (true) {
      const n = await from.read(buf);
      if (n === null) break;
      if (opts.state?.stalled) continue; // swallowed: the link looks alive but says nothing
      let chunk = buf.slice(0, n);
      await opts.before?.(chunk);
      if (opts.flipAt !== undefined && opts.flipAt >= seen && opts.flipAt < seen + n) {
        chunk[opts.flipAt - seen] ^= opts.mask ?? 0x20;
      }
      if (opts.cutAfter !== undefined && seen + n >= opts.cutAfter) {
        chunk = chunk.subarray(0, opts.cutAfter - seen);
        await writeAll(to, chunk);
        break;
      }
      seen += n;
      await writeAll(to, chunk);
    }
  } finally {
    for (const c of [from, to]) {
      try {
        c.close();
      } catch {
        // closed
      }
    }
  }
}

/** Conn.write may take only part of the bytes: write until all are gone. */
async function writeAll(to: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await to.write(bytes.subarray(off));
}
