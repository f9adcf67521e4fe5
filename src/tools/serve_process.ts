import { ctdlsyncArgs } from "./run_args.ts";

/** A `ctdlsync serve` running as a child process (the benchmark and CLI tests use one). */
export interface ServeProcess {
  address: string;
  child: Deno.ChildProcess;
  /** Everything the server logged, once it has exited (when started with `log: true`). */
  log: Promise<string>;
  /** Sends SIGTERM and waits for the exit status. */
  stop(): Promise<Deno.CommandStatus>;
}

/**
 * Starts `ctdlsync serve --data DIR --listen 127.0.0.1:0` (or `port`, to restart a server
 * where it was) with any `args` added (e.g. `--replica-of`), and resolves with the port the
 * OS gave it, read from its "listening on" log line (no free-port guess that another
 * process could take in between); throws if it exits or logs nothing of the kind within
 * 20 s.
 */
export async function spawnServe(
  dataDir: string,
  opts: { log?: boolean; port?: number; args?: string[] } = {},
): Promise<ServeProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ctdlsyncArgs([
      "serve",
      "--data",
      dataDir,
      "--listen",
      `127.0.0.1:${opts.port ?? 0}`,
      ...(opts.args ?? []),
    ]),
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let logged = "";
  let pending = "";
  let port = 0;
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    while (!port) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`ctdlsync serve exited before listening:\n${logged}`);
      logged += value;
      pending += value;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(pending);
      if (m) port = Number(m[1]);
      pending = pending.slice(pending.lastIndexOf("\n") + 1);
    }
  } finally {
    clearTimeout(timer);
  }
  // The rest of the log is read to the end, so the child never blocks on a full pipe.
  const log = (async () => {
    for (;;) {
      const { value, done } = await lines.read();
      if (done) return opts.log ? logged : "";
      if (opts.log) logged += value;
    }
  })();
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
