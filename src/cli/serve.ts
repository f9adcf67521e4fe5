import { exportMigr } from "../app/migr_export.ts";
import { CitadelServer, DEFAULT_PORT } from "../server/server.ts";
import { int, need, parseFlags, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { withLockedStore } from "./locked.ts";

/** `ctdlsync serve`: hosts the Citadel protocol on a store until SIGTERM or SIGINT. */
export const serve: Command = {
  usage:
    `serve --data DIR [--listen ADDR:PORT] [--tls-cert F --tls-key F] [--idle SECS] [--no-sync]`,
  async run(args) {
    const f = parseFlags(args, {
      data: "string",
      listen: "string",
      "tls-cert": "string",
      "tls-key": "string",
      idle: "string",
      "no-sync": "boolean",
    });
    const listen = typeof f.listen === "string" ? f.listen : `127.0.0.1:${DEFAULT_PORT}`;
    const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
    if (!m || Number(m[3]) > 65535) {
      throw new UsageError(`--listen takes ADDR:PORT, not '${listen}'`);
    }
    if ((f["tls-cert"] === undefined) !== (f["tls-key"] === undefined)) {
      throw new UsageError("--tls-cert and --tls-key go together");
    }
    // Given, --idle wins; else the store's c_sleeping applies (900 s when unset).
    const idleSeconds = f.idle === undefined ? undefined : int(f, "idle", 900);
    return await withLockedStore(need(f, "data"), "serve", { create: true }, async (store) => {
      const server = new CitadelServer(store, {
        hostname: m[1] ?? (m[2] || "127.0.0.1"),
        port: Number(m[3]),
        idleSeconds,
        sync: f["no-sync"] !== true,
        // MIGR export is application code; the server gets it from here (layers: server/
        // never imports src/app/).
        migrExport: exportMigr,
        tls: f["tls-cert"]
          ? { certFile: f["tls-cert"] as string, keyFile: f["tls-key"] as string }
          : undefined,
      });
      try {
        server.start();
      } catch (e) {
        // A port in use or an unreadable certificate: the user's set-up, so exit 2.
        throw new UsageError((e as Error).message);
      }
      const stop = () => void server.stop();
      Deno.addSignalListener("SIGTERM", stop);
      Deno.addSignalListener("SIGINT", stop);
      // server.stop closes the store; poll for that rather than hold a second handle on it.
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (store.closed) {
            clearInterval(check);
            resolve();
          }
        }, 200);
      });
      return 0;
    });
  },
};
