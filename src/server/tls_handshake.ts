import { createPrivateKey, X509Certificate } from "node:crypto";
import { Duplex } from "node:stream";
import tls from "node:tls";
import type { Connection } from "./context.ts";

/**
 * Longest a client may take to finish its TLS handshake: the idle time when shorter, else
 * 30 s (a real handshake takes milliseconds; a slow link a few seconds).
 */
export const MAX_HANDSHAKE_SECONDS = 30;

/**
 * The certificate and key, parsed once for every connection. Checked here, because
 * node:tls takes junk without a word and would fail every handshake later.
 */
export function tlsContext(certFile: string, keyFile: string): tls.SecureContext {
  const cert = Deno.readTextFileSync(certFile);
  const key = Deno.readTextFileSync(keyFile);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new Error(`no PEM certificate in ${certFile}`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new Error(`no PEM private key in ${keyFile}`);
  }
  if (!matches) throw new Error(`the key in ${keyFile} is not the certificate's (${certFile})`);
  return tls.createSecureContext({ cert, key });
}

/** A failed or abandoned handshake, as the error the session layer treats as a drop. */
function dropped(e: unknown): Error {
  return new Deno.errors.ConnectionReset((e as Error)?.message ?? String(e));
}

/**
 * Runs the server side of a TLS handshake over a plain TCP connection that we accepted
 * ourselves, and resolves with the encrypted connection once it is done.
 *
 * Deno.listenTls keeps the socket of a handshake that never finishes open even after
 * close() (denoland/deno#35292), so 300 clients that connect and say nothing hold 300
 * descriptors. Here the TCP socket is ours: when the handshake fails or takes longer than
 * `seconds`, it is closed, and its descriptor is released at once.
 */
export function serverHandshake(
  conn: Deno.Conn,
  context: tls.SecureContext,
  seconds: number,
): Promise<Connection> {
  const raw = Duplex.fromWeb({ readable: conn.readable, writable: conn.writable });
  const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
  const destroy = () => {
    secure.destroy();
    raw.destroy();
    try {
      conn.close();
    } catch {
      // already closed
    }
  };
  // An 'error' event without a listener would end the process; every error here concerns
  // this one connection and surfaces through the promise or the streams below.
  raw.on("error", () => {});
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      destroy();
      reject(new Deno.errors.TimedOut(`none within ${seconds} s`));
    }, seconds * 1000);
    const fail = (e: unknown) => {
      clearTimeout(timer);
      destroy();
      reject(dropped(e));
    };
    secure.once("error", fail);
    secure.once("close", () => fail(new Error("closed during the TLS handshake")));
    secure.once("secure", () => {
      clearTimeout(timer);
      secure.off("error", fail);
      secure.removeAllListeners("close");
      resolve(encrypted(secure, raw, destroy));
    });
  });
}

/** The encrypted side as Web Streams, with errors as the Deno errors sessions expect. */
function encrypted(secure: tls.TLSSocket, raw: Duplex, destroy: () => void): Connection {
  let failure: Error | undefined;
  secure.on("error", (e) => failure = dropped(e));
  const readable = new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(controller) {
      let ended = false;
      const end = (e?: Error) => {
        if (ended) return;
        ended = true;
        if (e) controller.error(e);
        else controller.close();
      };
      secure.on("data", (b: Uint8Array) => {
        if (ended) return;
        controller.enqueue(new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) secure.pause();
      });
      secure.on("end", () => end());
      secure.on("close", () => end(failure));
    },
    pull() {
      secure.resume();
    },
    cancel() {
      destroy();
    },
  }, { highWaterMark: 4 });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise((resolve, reject) => {
        if (secure.destroyed) return reject(failure ?? new Deno.errors.BrokenPipe("closed"));
        secure.write(chunk, (e) => e ? reject(dropped(e)) : resolve());
      });
    },
    close() {
      // Resolves once the TCP side has taken the last bytes and the close_notify, so the
      // close() that follows cannot cut the last reply short.
      return new Promise((resolve) => {
        if (raw.writableFinished || raw.destroyed) return resolve();
        raw.once("finish", () => resolve());
        raw.once("close", () => resolve());
        secure.end();
      });
    },
    abort() {
      destroy();
    },
  });
  // close() says goodbye with a TLS close_notify, so the client sees a clean end rather
  // than a truncated stream; a client that does not take it is cut off after 1 s.
  const close = () => {
    if (raw.writableFinished || raw.destroyed) return destroy();
    const timer = setTimeout(destroy, 1000);
    raw.once("close", () => clearTimeout(timer));
    raw.once("finish", destroy);
    secure.end();
  };
  return { readable, writable, close };
}
