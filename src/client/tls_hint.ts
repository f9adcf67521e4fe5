/**
 * TLS diagnostics for the client: is a port that stays silent a TLS port, and what does a
 * failed handshake mean for the user (which flag or certificate fixes it).
 *
 * @module
 */

/**
 * True when `hostname:port` answers a TLS handshake: it completes, or fails on the
 * certificate (which only a TLS server can send). Gives up after `ms`.
 */
export async function tlsHint(hostname: string, port: number, ms = 3000): Promise<boolean> {
  let conn: Deno.TlsConn | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const attempt = (async () => {
      conn = await Deno.connectTls({ hostname, port });
      await conn.handshake();
      return true;
    })();
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    return await Promise.race([attempt, timeout]);
  } catch (e) {
    return /certificate|CaUsedAsEndEntity|UnknownIssuer|NotValidForName/i.test(
      (e as Error).message,
    );
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch {
      // closed
    }
  }
}

/** One line for a failed TLS handshake, naming the fix. */
export function tlsProblem(e: Error): string {
  const m = e.message;
  if (/CaUsedAsEndEntity/.test(m)) {
    return "the server's certificate is a CA certificate (what a plain `openssl req -x509` " +
      "makes), which TLS refuses as a server certificate; make it with " +
      "-addext basicConstraints=critical,CA:FALSE -addext subjectAltName=DNS:HOST " +
      "(docs/operations.md, TLS)";
  }
  if (/UnknownIssuer|UnknownCA/.test(m)) {
    return "the server's certificate is not trusted here; give its CA (or the self-signed " +
      "certificate itself) with --ca FILE";
  }
  if (/NotValidForName/.test(m)) {
    return "the server's certificate does not name this host; it needs a subjectAltName " +
      "with the name or address used in --from";
  }
  if (/Expired|NotValidYet/.test(m)) return `the server's certificate is out of date (${m})`;
  if (/InvalidContentType|corrupt message/.test(m)) {
    return "no TLS on this port (it answered in plain text); drop --tls";
  }
  return `TLS handshake failed: ${m}`;
}
