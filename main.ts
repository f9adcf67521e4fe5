import { dirname, resolve } from "node:path";
/**
 * ctdlsync: a Citadel server whose data lives in Deno KV, and the client that pulls a
 * verified duplicate of another server over the wire.
 *
 * Exit codes: 0 done; 1 failed (store, internal); 2 usage or connection error;
 * 3 verification failed or data arrived damaged: run again.
 */
import { parseArgs } from "node:util";
import { ConnectionError } from "./src/client/connection.ts";
import { TransferError } from "./src/client/bulk_reader.ts";
import { progressLine, pullSummary, statsTable } from "./src/client/report.ts";
import { runPull, runVerify } from "./src/client/run_pull.ts";
import { runFallbackPull } from "./src/app/fallback_pull.ts";
import { CtdlError } from "./src/errors.ts";
import { log } from "./src/log.ts";
import { CitadelServer, DEFAULT_PORT } from "./src/server/server.ts";
import { Store } from "./src/store/store.ts";
import { isTableName, TABLE_NAMES, type TableName } from "./src/store/tables.ts";
import { buildFixture } from "./fixtures/small.ts";
import { generateSystem } from "./src/tools/seed.ts";
import { runDemo } from "./src/tools/demo.ts";
import { importMigrFile } from "./src/app/migr_import.ts";
import { exportMigr, exportMigrFile } from "./src/app/migr_export.ts";
import { exportFiles } from "./src/app/export_files.ts";
import { readPasswordsFile } from "./src/app/passwords_file.ts";
import { importProgressLine, importSummary } from "./src/app/import_report.ts";
import { MigrFormatError } from "./src/migr/xml_reader.ts";

/** A usage mistake: one line, exit 2. */
class UsageError extends Error {}

const USAGE = `usage: ctdlsync <command> [options]

  serve   --data DIR [--listen ADDR:PORT] [--tls-cert F --tls-key F] [--idle SECS] [--no-sync]
  pull    --from HOST:PORT --user NAME --password-file F --data DIR
          [--tables LIST] [--dry-run] [--json] [--wait SECS] [--expire SECS]
          [--migr-file F]   (source without SYNC: MIGR export made on the old host)
  verify  --from HOST:PORT --user NAME --password-file F --data DIR [--json]
  seed    --data DIR (--fixture small | --users N --rooms N --messages N --files N [--seed S])
  stats   --data DIR [--json] [--verify]
  import  --migr FILE --data DIR [--json]     (a Citadel MIGR export; replaces DIR's store)
  export  --migr FILE --data DIR [--passwords F]  (the MIGR XML a Citadel 902 writes, plus
                                              messages/ and files/ beside it)
  demo    [--messages N] [--keep]

exit codes: 0 ok, 1 failed, 2 usage or connection error, 3 verification failed (run again)`;

type Flags = Record<string, string | boolean | undefined>;

function parse(args: string[], options: Record<string, "string" | "boolean">): Flags {
  const spec = Object.fromEntries(Object.entries(options).map(([k, type]) => [k, { type }]));
  try {
    return parseArgs({ args, options: spec, strict: true, allowPositionals: false })
      .values as Flags;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function need(flags: Flags, name: string): string {
  const v = flags[name];
  if (typeof v !== "string" || v === "") throw new UsageError(`--${name} is required`);
  return v;
}

function int(flags: Flags, name: string, fallback: number): number {
  const v = flags[name];
  if (v === undefined) return fallback;
  if (typeof v !== "string" || !/^\d+$/.test(v)) {
    throw new UsageError(`--${name} takes a whole number`);
  }
  return Number(v);
}

async function readPassword(file: string): Promise<string> {
  try {
    return (await Deno.readTextFile(file)).replace(/\r?\n$/, "");
  } catch (e) {
    throw new UsageError(`cannot read password file ${file}: ${(e as Error).message}`);
  }
}

function tablesFlag(flags: Flags): TableName[] | undefined {
  if (typeof flags.tables !== "string") return undefined;
  const names = flags.tables.split(",").map((t) => t.trim()).filter(Boolean);
  for (const n of names) {
    if (!isTableName(n)) {
      throw new UsageError(`unknown table '${n}' (tables: ${TABLE_NAMES.join(", ")})`);
    }
  }
  return names as TableName[];
}

const SOURCE_FLAGS = {
  from: "string",
  user: "string",
  "password-file": "string",
  data: "string",
  json: "boolean",
  tls: "boolean",
} as const;

async function sourceOpts(flags: Flags) {
  return {
    from: need(flags, "from"),
    user: need(flags, "user"),
    password: await readPassword(need(flags, "password-file")),
    tls: flags.tls === true,
  };
}

const commands: Record<string, (args: string[]) => Promise<number>> = {
  async serve(args) {
    const f = parse(args, {
      data: "string",
      listen: "string",
      "tls-cert": "string",
      "tls-key": "string",
      idle: "string",
      "no-sync": "boolean",
    });
    const listen = typeof f.listen === "string" ? f.listen : `127.0.0.1:${DEFAULT_PORT}`;
    const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
    if (!m) throw new UsageError(`--listen takes ADDR:PORT, not '${listen}'`);
    if ((f["tls-cert"] === undefined) !== (f["tls-key"] === undefined)) {
      throw new UsageError("--tls-cert and --tls-key go together");
    }
    const store = await Store.open(need(f, "data"), { create: true });
    const server = new CitadelServer(store, {
      hostname: m[1] ?? (m[2] || "127.0.0.1"),
      port: Number(m[3]),
      idleSeconds: int(f, "idle", 900),
      sync: f["no-sync"] !== true,
      migrExport: exportMigr,
      tls: f["tls-cert"]
        ? { certFile: f["tls-cert"] as string, keyFile: f["tls-key"] as string }
        : undefined,
    });
    server.start();
    const stop = () => void server.stop();
    Deno.addSignalListener("SIGTERM", stop);
    Deno.addSignalListener("SIGINT", stop);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (store.closed) {
          clearInterval(check);
          resolve();
        }
      }, 200);
    });
    return 0;
  },

  async pull(args) {
    const f = parse(args, {
      ...SOURCE_FLAGS,
      tables: "string",
      "dry-run": "boolean",
      wait: "string",
      expire: "string",
      "migr-file": "string",
    });
    const opts = await sourceOpts(f);
    const dir = need(f, "data");
    const store = await Store.open(dir, { create: true });
    const tty = Deno.stderr.isTerminal() && f.json !== true;
    // A source without SYNC (530 to SNGL), or a MIGR file given: the fallback pull.
    const fallback = async () => {
      const migrFile = f["migr-file"] as string | undefined;
      if (f.tables !== undefined || f["dry-run"] === true) {
        throw new UsageError("--tables and --dry-run need a source that speaks SYNC");
      }
      if (migrFile && !await Deno.stat(migrFile).then(() => true, () => false)) {
        throw new UsageError(`cannot read ${migrFile}`);
      }
      await store.close();
      return await runFallbackPull(dir, {
        ...opts,
        migrFile,
        onProgress: tty
          ? (l) => Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${l}`))
          : undefined,
      });
    };
    try {
      const reports = f["migr-file"] !== undefined ? await fallback() : await runPull(store, {
        ...opts,
        tables: tablesFlag(f),
        dryRun: f["dry-run"] === true,
        wait: int(f, "wait", 120),
        expire: int(f, "expire", 500),
        onProgress: tty
          ? (p) => Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${progressLine(p)}`))
          : undefined,
        onTableDone: tty
          ? () => Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"))
          : undefined,
      }).catch((e) => {
        if (e instanceof CtdlError && e.code === 530) return fallback();
        throw e;
      });
      const ok = reports.every((r) => r.verified || r.action === "would-pull");
      if (f.json === true) console.log(JSON.stringify({ ok, tables: reports }, null, 2));
      else console.log(pullSummary(reports));
      if (!ok) {
        console.error("ctdlsync: verification failed for some tables; run the pull again");
        return 3;
      }
      return 0;
    } finally {
      await store.close();
    }
  },

  async verify(args) {
    const f = parse(args, SOURCE_FLAGS);
    const opts = await sourceOpts(f);
    const store = await Store.open(need(f, "data"));
    try {
      const diffs = await runVerify(store, opts);
      if (f.json === true) {
        console.log(JSON.stringify({ identical: diffs.length === 0, differences: diffs }, null, 2));
      } else if (diffs.length === 0) {
        console.log("identical: every table's count and digest match the source");
      } else {
        for (const d of diffs) {
          console.log(
            `${d.table}: source ${d.source.count} records/${d.source.digest}, local ${d.local.count}/${d.local.digest}`,
          );
        }
      }
      return diffs.length === 0 ? 0 : 3;
    } finally {
      await store.close();
    }
  },

  async seed(args) {
    const f = parse(args, {
      data: "string",
      fixture: "string",
      users: "string",
      rooms: "string",
      messages: "string",
      files: "string",
      seed: "string",
    });
    const store = await Store.open(need(f, "data"), { create: true });
    try {
      if (f.fixture !== undefined) {
        if (f.fixture !== "small") throw new UsageError(`unknown fixture '${f.fixture}' (small)`);
        await buildFixture(store);
      } else {
        await generateSystem(store, {
          users: int(f, "users", 20),
          rooms: int(f, "rooms", 10),
          messages: int(f, "messages", 1000),
          files: int(f, "files", 5),
          seed: int(f, "seed", 1),
        });
      }
      console.log(statsTable(await Promise.all(TABLE_NAMES.map((t) => store.stats(t)))));
      return 0;
    } finally {
      await store.close();
    }
  },

  async stats(args) {
    const f = parse(args, { data: "string", json: "boolean", verify: "boolean" });
    const store = await Store.open(need(f, "data"));
    try {
      const stats = f.verify === true
        ? await store.verify()
        : await Promise.all(TABLE_NAMES.map((t) => store.stats(t)));
      if (f.json === true) {
        console.log(JSON.stringify({ storeId: store.id, tables: stats }, null, 2));
      } else console.log(statsTable(stats));
      return 0;
    } finally {
      await store.close();
    }
  },

  async import(args) {
    const f = parse(args, { migr: "string", data: "string", json: "boolean" });
    const file = need(f, "migr");
    const dir = need(f, "data");
    const tty = Deno.stderr.isTerminal() && f.json !== true;
    const err = (s: string) => Deno.stderr.writeSync(new TextEncoder().encode(s));
    try {
      const report = await importMigrFile(file, dir, {
        onProgress: tty ? (p) => err(`\r\x1b[K${importProgressLine(p)}`) : undefined,
      });
      if (tty) err("\r\x1b[K");
      if (f.json === true) console.log(JSON.stringify({ ok: true, ...report }, null, 2));
      else console.log(importSummary(report));
      return 0;
    } catch (e) {
      if (!(e instanceof MigrFormatError)) throw e;
      if (tty) err("\r\x1b[K");
      if (f.json === true) console.log(JSON.stringify({ ok: false, error: e.message }, null, 2));
      console.error(`ctdlsync: import failed: ${e.message}; ${dir} is unchanged`);
      return 1;
    }
  },

  async export(args) {
    const f = parse(args, { migr: "string", data: "string", passwords: "string" });
    const file = need(f, "migr");
    const store = await Store.open(need(f, "data"));
    try {
      const passwords = f.passwords === undefined
        ? new Map<string, string>()
        : await readPasswordsFile(f.passwords as string, store);
      const counts = await exportMigrFile(store, file, { passwords });
      const toSet = counts["passwords to set"] ?? 0;
      delete counts["passwords to set"];
      const files = await exportFiles(store, dirname(resolve(file)));
      console.log(
        `wrote ${file}: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ")}`,
      );
      console.log(
        `wrote ${files.messages} system messages to messages/ and ${files.files} room files ` +
          `to files/ beside it`,
      );
      console.log(
        toSet === 0
          ? `every account has the password chosen in ${f.passwords}`
          : `${toSet} accounts need a new password on the new server (exported with an ` +
            `unusable random one; choose some with --passwords FILE of name:password lines)`,
      );
      return 0;
    } finally {
      await store.close();
    }
  },

  async demo(args) {
    const f = parse(args, { messages: "string", keep: "boolean" });
    return await runDemo({
      messages: f.messages === undefined ? undefined : int(f, "messages", 0),
      keep: f.keep === true,
    });
  },
};

/** Runs the CLI; returns the exit code. Errors become one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`ctdlsync: unknown command '${name}'\n${USAGE}`);
    return 2;
  }
  try {
    return await cmd(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`ctdlsync: ${e.message}`);
      return 2;
    }
    if (e instanceof ConnectionError) {
      console.error(`ctdlsync: ${e.message}`);
      return 2;
    }
    if (e instanceof TransferError) {
      console.error(`ctdlsync: ${e.message}; run the pull again`);
      return 3;
    }
    if (e instanceof CtdlError) {
      console.error(`ctdlsync: ${e.message}`);
      return e.code === 530 || e.code === 540 || e.code === 570 || e.code === 551 ? 2 : 1;
    }
    log.error((e as Error).stack ?? String(e));
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
