import { exportMigr } from "../app/migr_export.ts";
import { DEFAULT_TIMEOUT_SECONDS } from "../client/connection.ts";
import { log } from "../log.ts";
import { CitadelServer, DEFAULT_PORT } from "../server/server.ts";
import { int, need, parseFlags, readPassword, UsageError } from "./args.ts";
import { reportError } from "./exit.ts";
import { checkFollowable, runFollower } from "./follow.ts";
import type { SourceOpts } from "./source.ts";
import type { Command } from "./command.ts";
import { withLockedStore } from "./locked.ts";

/** `ctdlsync serve`: hosts the Citadel protocol on a store until SIGTERM or SIGINT. */
export const serve: Command = {
  usage: `serve --data DIR [--listen ADDR:PORT] [--tls-cert F --tls-key F] [--idle SECS] [--no-sync]
          [--replica-of HOST:PORT --user NAME --password-file F [--source-tls] [--force]]
                            (a read-only live replica that follows HOST)`,
  async run(args) {
    const f = parseFlags(args, {
      data: "string",
      listen: "string",
      "tls-cert": "string",
      "tls-key": "string",
      idle: "string",
      "no-sync": "boolean",
      "replica-of": "string",
      user: "string",
      "password-file": "string",
      "source-tls": "boolean",
      force: "boolean",
    });
    const replica: SourceOpts | undefined = typeof f["replica-of"] === "string"
      ? {
        from: f["replica-of"],
        user: need(f, "user"),
        password: await readPassword(need(f, "password-file")),
        tls: f["source-tls"] === true,
        timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
      }
      : undefined;
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
      if (replica) await checkFollowable(store, replica, f.force === true);
      const server = new CitadelServer(store, {
        hostname: m[1] ?? (m[2] || "127.0.0.1"),
        port: Number(m[3]),
        idleSeconds,
        sync: f["no-sync"] !== true,
        // MIGR export is application code; the server gets it from here (layers: server/
        // never imports src/app/).
        migrExport: exportMigr,
        replicaOf: replica?.from,
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
      // The follower stops first (between commits), then the server closes the store.
      const following = new AbortController();
      let code = 0;
      const follower = replica
        ? runFollower(store, replica, following.signal, false).catch((e) => {
          code = reportError(e); // credentials or access: no retry can fix it
          void server.stop();
        })
        : Promise.resolve();
      const stop = async () => {
        following.abort();
        await follower;
        await server.stop();
      };
      Deno.addSignalListener("SIGTERM", () => void stop());
      Deno.addSignalListener("SIGINT", () => void stop());
      if (replica) log.info(`read-only replica of ${replica.from}`);
      // server.stop closes the store; poll for that rather than hold a second handle on it.
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (store.closed) {
            clearInterval(check);
            resolve();
          }
        }, 200);
      });
      return code;
    });
  },
};
