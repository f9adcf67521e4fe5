/**
 * A live replica end to end, as real processes on loopback: `serve --replica-of` follows a
 * source while a client posts through the client protocol; kill -9 of either side; promote.
 */
import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { type ServeProcess, spawnServe } from "../../src/tools/serve_process.ts";
import { postViaClient, readViaClient } from "../../src/tools/live_posts.ts";
import { type CitadelClient, gotoRoom, loginAs, runCli } from "../_helpers.ts";
import { finished, oneLine, spawnCli, waitFor } from "./_cli.ts";

const { sysop } = FIXTURE_USERS;
const POSTS = 1000;

/** Count and digest per table, as the server reports them (`SYNC all|info`). */
async function tableDigests(address: string): Promise<string[]> {
  const c = await loginAs(address, sysop);
  try {
    const { lines } = await c.listing("SYNC all|info");
    return lines.map((l) => l.split("|").slice(0, 3).join("|"));
  } finally {
    await c.quit();
  }
}

async function identical(a: string, b: string): Promise<boolean> {
  try {
    return JSON.stringify(await tableDigests(a)) === JSON.stringify(await tableDigests(b));
  } catch {
    return false; // a side restarting
  }
}

/** Logs in to the replica once its initial copy is done (its port opens before that). */
async function replicaReader(source: string, address: string): Promise<CitadelClient> {
  await waitFor("the replica's initial copy", () => identical(source, address));
  const c = await loginAs(address, sysop);
  await gotoRoom(c, "Lobby");
  return c;
}

async function postSome(address: string, n: number, tag: string, onPost?: (i: number) => void) {
  const c = await loginAs(address, sysop);
  await gotoRoom(c, "Lobby");
  const nums: number[] = [];
  for (let i = 0; i < n; i++) {
    nums.push(await postViaClient(c, `${tag} ${i}`, `${tag} body ${i}`));
    onPost?.(i);
  }
  await c.quit();
  return nums;
}

Deno.test("replica: follows 1,000 posts live, refuses writes, survives kill -9 of either side, promote", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-replica-" });
  const pw = `${dir}/pw`;
  await Deno.writeTextFile(pw, sysop.password);
  assert.equal((await runCli("seed", "--data", `${dir}/src`, "--fixture", "small")).code, 0);
  let source: ServeProcess = await spawnServe(`${dir}/src`);
  const port = Number(source.address.split(":")[1]);
  const follow = ["--replica-of", source.address, "--user", sysop.name, "--password-file", pw];
  let replica: ServeProcess = await spawnServe(`${dir}/rep`, { args: follow });
  try {
    // 1,000 posts on the source; a reader on the replica reads each one there.
    const reader = await replicaReader(source.address, replica.address);
    const posted: { n: number; text: string }[] = [];
    const poster = await loginAs(source.address, sysop);
    await gotoRoom(poster, "Lobby");
    const posting = (async () => {
      for (let i = 0; i < POSTS; i++) {
        const text = `live message ${i}`;
        posted.push({ n: await postViaClient(poster, `live ${i}`, text), text });
      }
    })();
    let read = 0;
    await waitFor("every post readable on the replica", async () => {
      while (read < posted.length) {
        const lines = await readViaClient(reader, posted[read].n);
        if (!lines) return false;
        assert.ok(lines.includes(posted[read].text), `message ${posted[read].n}: ${lines}`);
        read++;
      }
      return read === POSTS;
    }, 300_000);
    await posting;
    await poster.quit();
    // Identical within a second of the last post.
    await waitFor(
      "identical after the last post",
      () => identical(source.address, replica.address),
      1000,
    );

    // Writes from a client session are refused, naming the source.
    const refused = `560 read-only replica of ${source.address}; write there`;
    assert.equal((await reader.command("ENT0 1||0|0|nope||1")).line, refused);
    assert.equal((await reader.command("CRE8 1|New Room|0")).line, refused);
    await reader.quit();

    // status names the source and shows the follower's state.
    const status = JSON.parse((await runCli("status", "--data", `${dir}/rep`, "--json")).stdout);
    assert.equal(status.follow.source, source.address);
    assert.equal(status.follow.state, "following");
    assert.equal(status.heldBy.command, "serve");

    // kill -9 of the follower while posts land; restarted, it resumes from its checkpoint.
    let killed = false;
    await postSome(source.address, 60, "during kill", (i) => {
      if (i === 20 && !killed) {
        killed = true;
        replica.child.kill("SIGKILL");
      }
    });
    await replica.child.status;
    replica = await spawnServe(`${dir}/rep`, { args: follow });
    await waitFor(
      "the restarted replica to catch up",
      () => identical(source.address, replica.address),
    );

    // kill -9 of the source, restarted on the same data and port; the follower reconnects.
    source.child.kill("SIGKILL");
    await source.child.status;
    source = await spawnServe(`${dir}/src`, { port });
    await postSome(source.address, 30, "after source restart");
    await waitFor(
      "the replica to reconnect and catch up",
      () => identical(source.address, replica.address),
    );
    // No loss, no duplicate: the same messages in the Lobby on both sides.
    const lobby = async (address: string) => {
      const c = await loginAs(address, sysop);
      await gotoRoom(c, "Lobby");
      const { lines } = await c.listing("MSGS ALL");
      await c.quit();
      return lines;
    };
    const want = await lobby(source.address);
    assert.ok(want.length >= POSTS + 90);
    assert.deepEqual(await lobby(replica.address), want);

    // Promote: stop the replica, promote, and the store takes a post.
    assert.equal((await replica.stop()).code, 0);
    const p = await runCli("promote", "--data", `${dir}/rep`);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, new RegExp(`no longer follows ${source.address}`));
    const again = await runCli(
      "serve",
      "--data",
      `${dir}/rep`,
      "--listen",
      "127.0.0.1:0",
      ...follow,
    );
    assert.equal(again.code, 2);
    assert.match(oneLine(again.stderr), /was promoted at .* --force follows it again/);
    replica = await spawnServe(`${dir}/rep`);
    const [n] = await postSome(replica.address, 1, "after promote");
    const c = await loginAs(replica.address, sysop);
    await gotoRoom(c, "Lobby");
    assert.ok((await readViaClient(c, n))?.includes("after promote body 0"));
    await c.quit();
  } finally {
    await replica.stop();
    await source.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replica: pull --follow stops on SIGINT (130) and SIGTERM (143), resumes; promote and --force", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-follow-" });
  const pw = `${dir}/pw`;
  await Deno.writeTextFile(pw, sysop.password);
  assert.equal((await runCli("seed", "--data", `${dir}/src`, "--fixture", "small")).code, 0);
  const source = await spawnServe(`${dir}/src`);
  const args = ["--from", source.address, "--user", sysop.name, "--password-file", pw];
  try {
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      await postSome(source.address, 5, signal);
      const child = spawnCli("pull", "--follow", ...args, "--data", `${dir}/dst`);
      await caughtUp("the follower", `${dir}/dst`, source.address);
      child.kill(signal);
      const out = await finished(child);
      assert.equal(out.code, code, out.stderr);
      assert.equal(out.stderr.trim().split("\n").at(-1), "ctdlsync: interrupted; rerun to resume");
      const st = JSON.parse((await runCli("status", "--data", `${dir}/dst`, "--json")).stdout);
      assert.equal(st.heldBy, null, "the lock is released");
      assert.equal(st.follow.state, "not running");
    }
    // Promoted, the store refuses its old source; --force follows it again.
    assert.equal((await runCli("promote", "--data", `${dir}/dst`)).code, 0);
    const st = JSON.parse((await runCli("status", "--data", `${dir}/dst`, "--json")).stdout);
    assert.equal(st.follow.state, "promoted");
    const refused = await runCli("pull", "--follow", ...args, "--data", `${dir}/dst`);
    assert.equal(refused.code, 2);
    assert.match(oneLine(refused.stderr), /was promoted at .*; --force follows it again/);
    const forced = spawnCli("pull", "--follow", "--force", ...args, "--data", `${dir}/dst`);
    await caughtUp("the forced follower", `${dir}/dst`, source.address);
    forced.kill("SIGTERM");
    assert.equal((await finished(forced)).code, 143);
  } finally {
    await source.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Waits until `status` of the follower's store says "following" with the source's stamp
 * applied. The bound is generous (the test machine may be running other tests on both of
 * its cores); a timeout names the last status seen.
 */
async function caughtUp(who: string, dir: string, address: string): Promise<void> {
  let last = "no status yet";
  try {
    await waitFor(`${who} to catch up`, async () => {
      const st = await runCli("status", "--data", dir, "--json");
      const f = st.code === 0 ? JSON.parse(st.stdout).follow : null;
      const stamp = await sourceStamp(address);
      last = `${JSON.stringify(f ?? st.stderr.trim())}, source stamp ${stamp}`;
      return f?.state === "following" && f.applied === stamp;
    }, 60_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last status: ${last}`);
  }
}

/** The source's store stamp (`SYNC all|info` header). */
async function sourceStamp(address: string): Promise<number> {
  const c = await loginAs(address, sysop);
  try {
    const { reply } = await c.listing("SYNC all|info");
    return Number(reply.text.split("|")[1]);
  } finally {
    await c.quit();
  }
}
