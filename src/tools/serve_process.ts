/** A `ctdlsync serve` running as a child process (the benchmark and CLI tests use one). */
export interface ServeProcess {
  address: string;
  child: Deno.ChildProcess;
  /** Everything the server logged, once it has exited (when started with `log: true`). */
  log: Promise<string>;
  /** Sends SIGTERM and waits for the exit status. */
  stop(): Promise<Deno.CommandStatus>;
}

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** A port that was free a moment ago, on loopback. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Starts `ctdlsync serve --data DIR` on a loopback port (`port`, or a free one) with any
 * `args` added (e.g. `--replica-of`), and resolves once it accepts connections (or throws
 * after 10 s).
 */
export async function spawnServe(
  dataDir: string,
  opts: { log?: boolean; port?: number; args?: string[] } = {},
): Promise<ServeProcess> {
  const port = opts.port ?? freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-kv",
      MAIN,
      "serve",
      "--data",
      dataDir,
      "--listen",
      `127.0.0.1:${port}`,
      ...(opts.args ?? []),
    ],
    stdout: "null",
    stderr: opts.log ? "piped" : "null",
  }).spawn();
  const log = opts.log ? new Response(child.stderr).text() : Promise.resolve("");
  for (let i = 0;; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      if (i >= 100) {
        child.kill("SIGKILL");
        throw new Error(`ctdlsync serve did not start on port ${port}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    address: `127.0.0.1:${port}`,
    child,
    log,
    stop: () => {
      child.kill("SIGTERM");
      return child.status;
    },
  };
}
