/**
 * A killed import leaves its staging directory behind (issue 12, item 13); the next import
 * removes it, and leaves alone one that a live process is still building.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeMigrDocument } from "../../bench/import.ts";
import { processStart } from "../../src/app/staging.ts";
import { ctdlsyncArgs } from "../../src/tools/run_args.ts";
import { runCli } from "../_helpers.ts";
import { waitFor } from "./_helpers.ts";
import { scratch } from "./_import.ts";

async function stagingDirs(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.name.includes(".staging-")) out.push(e.name);
  return out.sort();
}

Deno.test({
  name: "import_staging: kill -9 mid-import, then a new import removes the stale staging dir",
  async fn() {
    const s = await scratch();
    const holder = new Deno.Command("sleep", { args: ["60"] }).spawn();
    try {
      // A document big enough that the import is still running when it is killed.
      const big = join(s.dir, "big.xml");
      await writeMigrDocument(big, { users: 5, rooms: 5, bytes: 8e6 });
      const child = new Deno.Command(Deno.execPath(), {
        args: ctdlsyncArgs(["import", "--migr", big, "--data", s.data]),
        stdout: "null",
        stderr: "null",
      }).spawn();
      await waitFor("a staging dir", async () => (await stagingDirs(s.dir)).length > 0, 60);
      child.kill("SIGKILL");
      await child.status;
      const left = await stagingDirs(s.dir);
      assert.equal(left.length, 1, "the killed import left its staging directory");
      assert.match(left[0], new RegExp(`^\\.data\\.staging-${child.pid}-\\d+-`));

      // One being built by a live process (its PID and start time) must survive.
      const live = `.data.staging-${holder.pid}-${await processStart(holder.pid)}-abc123`;
      await Deno.mkdir(join(s.dir, live));
      // One of another target is none of this import's business.
      await Deno.mkdir(join(s.dir, ".other.staging-1-1-abc"));

      const small = join(s.dir, "small.xml");
      await writeMigrDocument(small, { users: 2, rooms: 2, messages: 5 });
      const r = await runCli("import", "--migr", small, "--data", s.data);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /removed 1 staging directories left by interrupted runs/);
      assert.deepEqual(await stagingDirs(s.dir), [".other.staging-1-1-abc", live].sort());
    } finally {
      holder.kill("SIGKILL");
      await holder.status;
      await s.done();
    }
  },
});
