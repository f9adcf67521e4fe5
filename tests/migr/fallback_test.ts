import { exportMigr } from "../../src/app/migr_export.ts";
import assert from "node:assert/strict";
import { ConnectionError } from "../../src/client/connection.ts";
import { runFallbackPull } from "../../src/app/fallback_pull.ts";
import { runPull } from "../../src/client/run_pull.ts";
import { CtdlError } from "../../src/errors.ts";
import { parseRoomFile, statRoomFile } from "../../src/store/room_files.ts";
import { Store } from "../../src/store/store.ts";
import { CitadelClient, runCli, sha256Hex, startServer, tempStore } from "../_helpers.ts";
import { EXPORT, FILES, index, loadRealSystem, MANIFEST, manifest, shared } from "./_real.ts";

const real = { ignore: !EXPORT || !MANIFEST || !FILES };

/** The real system as a stock Citadel would hold it, served without SYNC. */
async function realSource() {
  const t = await tempStore();
  await loadRealSystem(t.store);
  const { server, address } = startServer(t.store, { sync: false, migrExport: exportMigr });
  return {
    store: t.store,
    address,
    stop: async () => {
      await server.stop(2);
      await Deno.remove(t.dir, { recursive: true });
    },
  };
}

async function records(store: Store, table: "rooms" | "messages" | "users" | "msglists") {
  const out: [string, Uint8Array][] = [];
  for await (const r of store.list(table)) out.push([JSON.stringify(r.key), r.value]);
  return out;
}

async function mesg(address: string, name: string): Promise<string[]> {
  const c = await CitadelClient.connect(address);
  try {
    return (await c.listing(`MESG ${name}`)).lines;
  } finally {
    await c.quit();
  }
}

Deno.test({
  name: "fallback: a source without SYNC is pulled over MIGR, MESG and the file commands",
  ...real,
  async fn() {
    const src = await realSource();
    const root = await Deno.makeTempDir({ prefix: "ctdlsync-fallback-" });
    const m = manifest();
    const creds = { from: src.address, user: m.admin.name, password: m.admin.password };
    try {
      // The native pull finds no SYNC: its SNGL gets 530, which is the fallback's cue.
      const native = await tempStore();
      const err = await runPull(native.store, creds).then(() => null, (e) => e);
      await native.cleanup();
      assert.ok(err instanceof CtdlError && err.code === 530, String(err));

      const progress: string[] = [];
      const reports = await runFallbackPull(`${root}/data`, {
        ...creds,
        onProgress: (l) => progress.push(l),
      });
      assert.ok(
        reports.every((r) => r.verified),
        JSON.stringify(reports.filter((r) => !r.verified)),
      );
      assert.ok(progress.some((l) => /^MIGR export +\d+ %/.test(l)), "progress from <progress>");
      const byTable = Object.fromEntries(reports.map((r) => [r.table, r]));
      assert.equal(byTable.messages.records, 201);
      assert.equal(byTable.sysmsgs.records, Object.keys(index().system_messages).length);
      assert.equal(byTable.roomfiles.records, 6);

      const dst = await Store.open(`${root}/data`);
      try {
        for (const t of ["rooms", "messages", "users", "msglists"] as const) {
          assert.deepEqual(await records(dst, t), await records(src.store, t), t);
        }
        for (const dir of index().room_files) {
          for (const f of dir.files) {
            const { data } = parseRoomFile(
              (await dst.get("roomfiles", [dir.dirname, f.filename]))!,
            );
            const stat = (await statRoomFile(dst, dir.dirname, f.filename))!;
            assert.equal(stat.size, f.size);
            assert.equal(stat.mimetype, f.mimetype);
            assert.equal(stat.description, f.description.slice(1), "one leading space stripped");
            assert.equal(await sha256Hex(data), f.sha256, f.filename);
          }
        }
        // MESG expands macros; read as the user and logged out, the raw text comes back.
        for (const name of ["hello", "goodbye", "newuser", "register"]) {
          const pulled = (await dst.get("sysmsgs", [name]))!;
          const raw = Deno.readFileSync(shared(index().system_messages[name].raw_file));
          assert.deepEqual(pulled, raw, name);
        }
        assert.match(byTable.sysmsgs.note!, /raw text recovered/);
      } finally {
        await dst.close();
      }

      // A server on the pulled store: the ORIGINAL clear passwords log in, hello reads the same.
      const copy = await Store.open(`${root}/data`);
      const { server, address } = startServer(copy, { sync: false, migrExport: exportMigr });
      try {
        for (const u of [...m.users, m.admin]) {
          const c = await CitadelClient.connect(address);
          const ok = await c.login(u.name, u.password);
          assert.equal(ok.code, 200, u.name);
          await c.quit();
        }
        assert.deepEqual(await mesg(address, "hello"), await mesg(src.address, "hello"));
      } finally {
        await server.stop(2);
      }
    } finally {
      await src.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "fallback: MIGR refused (as 902 refuses a TCP user) explains sendcommand; --migr-file works",
  ...real,
  async fn() {
    const src = await realSource();
    const root = await Deno.makeTempDir({ prefix: "ctdlsync-fallback-" });
    // Not an Aide: our server refuses MIGR export with 550, as a real 902 does to everyone on TCP.
    const user = manifest().users.find((u) => u.name === "Frank Ellis")!;
    const creds = { from: src.address, user: user.name, password: user.password };
    try {
      const data = `${root}/data`;
      const err = await runFallbackPull(data, creds).then(() => null, (e) => e);
      assert.ok(err instanceof ConnectionError, String(err));
      assert.match(err.message, /refused MIGR export \(550 /);
      assert.match(err.message, /sendcommand "MIGR export" > export\.xml/);
      assert.match(err.message, /--migr-file export\.xml/);
      assert.equal(await Deno.stat(data).then(() => true, () => false), false, "nothing made");

      // The file as sendcommand writes it: the reply line, the document, then 000.
      const file = `${root}/export.xml`;
      const xml = await Deno.readTextFile(EXPORT!);
      await Deno.writeTextFile(file, `100 Exporting all Citadel databases.\n${xml}000\n`);
      const reports = await runFallbackPull(data, { ...creds, migrFile: file });
      assert.ok(
        reports.every((r) => r.verified),
        JSON.stringify(reports.filter((r) => !r.verified)),
      );
      const dst = await Store.open(data);
      try {
        assert.equal((await dst.stats("messages")).count, 201);
        assert.equal((await dst.stats("roomfiles")).count, 6, "files came over the wire");
        assert.ok((await dst.stats("sysmsgs")).count >= 4);
        const frank = await dst.getDecoded<{ axlevel: number }>("users", ["frankellis"]);
        assert.equal(frank!.axlevel, 5);
      } finally {
        await dst.close();
      }
    } finally {
      await src.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "fallback: the CLI falls back by itself and prints the pull summary; a damaged file exits 3",
  ...real,
  async fn() {
    const src = await realSource();
    const root = await Deno.makeTempDir({ prefix: "ctdlsync-fallback-" });
    const m = manifest();
    try {
      await Deno.writeTextFile(`${root}/pw`, m.admin.password + "\n");
      const run = (...extra: string[]) =>
        runCli(
          "pull",
          "--from",
          src.address,
          "--user",
          m.admin.name,
          "--password-file",
          `${root}/pw`,
          "--data",
          `${root}/data`,
          ...extra,
        );
      const ok = await run("--json");
      assert.equal(ok.code, 0, ok.stderr);
      const json = JSON.parse(ok.stdout);
      assert.equal(json.ok, true);
      assert.equal(json.tables.find((t: { table: string }) => t.table === "messages").records, 201);
      assert.match(ok.stderr, /does not speak SYNC/);

      await Deno.writeTextFile(
        `${root}/cut.xml`,
        (await Deno.readTextFile(EXPORT!)).slice(0, 9000),
      );
      const cut = await run("--migr-file", `${root}/cut.xml`);
      assert.equal(cut.code, 3, cut.stderr);
      assert.match(
        cut.stderr,
        /MIGR export in .*cut\.xml: line \d+, <[a-z_]+>: .*truncated; run the pull again/,
      );
      const text = await run();
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /messages +full +201 /);
    } finally {
      await src.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});
