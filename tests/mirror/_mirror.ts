/** Helpers of the mirror tests: a shared-calendar fixture, runs of the CLI, real programs. */
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { getRoom, mailboxName, RoomFlag2, roomOp } from "../../src/store/rooms.ts";
import type { Store } from "../../src/store/store.ts";
import { getUser } from "../../src/store/users.ts";
import assert from "node:assert/strict";
import { type CliResult, runCli, withFixtureServer } from "../_helpers.ts";
import { spawnCli } from "../cli/_cli.ts";

export const { sysop, alice, bob, carol } = FIXTURE_USERS;

/**
 * The fixture's Calendar and Contacts rooms made collaborative (QR2_COLLABDEL), as shared
 * calendars are: each user may delete what they posted there.
 */
export async function sharedRooms(store: Store): Promise<void> {
  for (const name of ["Calendar", "Contacts"]) {
    const room = (await getRoom(store, name))!;
    await store.write([roomOp({ ...room, flags2: room.flags2 | RoomFlag2.COLLABDEL })]);
  }
}

/** The full name of a user's Mail room. */
export async function mailRoomOf(store: Store, name: string): Promise<string> {
  return mailboxName((await getUser(store, name))!.usernum, "Mail");
}

/** A temporary mirror directory with the user's password file beside it. */
export async function mirrorDir(u: { password: string }) {
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-mirror-" });
  await Deno.writeTextFile(`${dir}/pw`, u.password + "\n");
  return { top: dir, to: `${dir}/tree`, pw: `${dir}/pw` };
}

/** The command line of `ctdlsync mirror` for user `u` into mirror `d`. */
function mirrorArgs(
  address: string,
  u: { name: string },
  d: { to: string; pw: string },
  extra: string[],
): string[] {
  return ["mirror", "--from", address, "--user", u.name, "--password-file", d.pw, "--to", d.to]
    .concat(extra);
}

/** `ctdlsync mirror` as a user runs it. */
export function mirror(
  address: string,
  u: { name: string },
  d: { to: string; pw: string },
  ...extra: string[]
): Promise<CliResult> {
  return runCli(...mirrorArgs(address, u, d, extra));
}

/** Runs a real program; its stdout (fails the test on a non-zero exit). */
export async function program(cmd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

/** khal and khard configuration files for a mirror's Calendar and Contacts folders. */
export async function pimConfigs(top: string, to: string) {
  const khal = `${top}/khal.conf`;
  const khard = `${top}/khard.conf`;
  await Deno.writeTextFile(
    khal,
    `[calendars]\n[[fixture]]\npath = ${to}/Calendar\ntype = calendar\n` +
      `[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n` +
      `datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n` +
      `[default]\ndefault_calendar = fixture\n[sqlite]\npath = ${top}/khal.db\n`,
  );
  await Deno.writeTextFile(
    khard,
    `[addressbooks]\n[[fixture]]\npath = ${to}/Contacts\n[general]\n` +
      `default_action = list\neditor = /bin/true\nmerge_editor = /bin/true\n`,
  );
  return { khal, khard };
}

/** Every file under `dir`, relative, sorted. */
export async function treeFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string) => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory) await walk(`${d}/${e.name}`, `${rel}${e.name}/`);
      else out.push(rel + e.name);
    }
  };
  await walk(dir, "");
  return out.sort();
}

/** True when a mirror report's room table shows anything moved in either direction. */
export function movedAnything(stdout: string): boolean {
  const table = stdout.split("\n").filter((l) => /^\S.*\s+[+]\d+ ~\d+ -\d+ s\d+/.test(l));
  return table.some((l) => /[+~-][1-9]|\bs[1-9]/.test(l));
}

/** In CI the mirror's program tests must run, never skip. */
export const CI = Deno.env.get("CI") === "true";

/** The Debian programs the mirror tests drive that this machine lacks. */
export const missingPrograms = ["khal", "khard", "mlist", "mshow", "mflag", "minc"].filter((p) =>
  !new Deno.Command("sh", { args: ["-c", `command -v ${p}`], stdout: "null" }).outputSync().success
);
if (missingPrograms.length > 0 && !CI) {
  console.warn(
    `skipping mirror tests with real programs: ${missingPrograms.join(", ")} not installed ` +
      "(Debian: apt-get install khal khard mblaze)",
  );
}

/** `ctdlsync mirror` started as a child process (to kill it, or to let it follow). */
export function spawnMirror(
  address: string,
  u: { name: string },
  d: { to: string; pw: string },
  ...extra: string[]
): Deno.ChildProcess {
  return spawnCli(...mirrorArgs(address, u, d, extra));
}

/** Polls until `check` holds; fails after `ms`. */
export async function until(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition never held");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A test that drives khal, khard and mblaze against the fixture server: skipped (with the
 * line above) where they are missing, and failing in CI, which must have them.
 */
export function programsTest(
  name: string,
  fn: Parameters<typeof withFixtureServer>[0],
  serverOpts?: Parameters<typeof withFixtureServer>[1],
): void {
  Deno.test({
    name,
    ignore: missingPrograms.length > 0 && !CI,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      assert.deepEqual(missingPrograms, [], "CI installs khal, khard and mblaze");
      await withFixtureServer(fn, serverOpts);
    },
  });
}
