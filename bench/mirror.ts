/**
 * Mirror timing: a full `mirror` of one user's mailbox of N messages, then a rerun with
 * nothing changed, against a real server on loopback. `benchMirror` is what bench.ts
 * calls (keys `mirror_full_s`, `mirror_rerun_s`); standalone:
 *
 *   deno run -A --unstable-kv bench/mirror.ts [--messages 50000] [--json]
 *
 * The times are of the mirror engine in this process (login, SYNC, files, state); the
 * rerun is also timed as a whole `ctdlsync mirror` process, start-up included.
 */
import { parseArgs } from "node:util";
import { buildFixture, FIXTURE_USERS } from "../fixtures/small.ts";
import { log } from "../src/log.ts";
import { newMessage, serializeMessage } from "../src/message/message.ts";
import { runMirror } from "../src/mirror/engine.ts";
import { CitadelServer } from "../src/server/server.ts";
import { counterOp, readCounter } from "../src/store/control.ts";
import { metaOp } from "../src/store/messages.ts";
import { getRoom, mailboxName, roomOp } from "../src/store/rooms.ts";
import { Store } from "../src/store/store.ts";
import { getUser } from "../src/store/users.ts";
import { ctdlsyncArgs } from "../src/tools/run_args.ts";

/** The figures of one mirror bench run. */
export interface MirrorBench {
  mirror_full_s: number;
  mirror_rerun_s: number;
  mirror_rerun_process_s: number;
  messages: number;
}

/** Fills alice's Mail with `n` generated messages, 45 a commit (KV's mutation limit). */
export async function fillMailbox(store: Store, n: number): Promise<string> {
  const alice = (await getUser(store, FIXTURE_USERS.alice.name))!;
  const name = mailboxName(alice.usernum, "Mail");
  let room = (await getRoom(store, name))!;
  let next = await readCounter(store, "MMhighest");
  for (let i = 0; i < n; i += 45) {
    const ops = [];
    for (let j = i; j < Math.min(n, i + 45); j++) {
      const bytes = serializeMessage(newMessage({
        format: 0,
        fields: {
          A: "Bob Builder",
          T: String(1_700_100_000 + j),
          U: `Message ${j}`,
          M: `Line one of message ${j}.\nLine two, a little longer than the first.\n`,
        },
      }));
      next++;
      ops.push({ table: "messages" as const, key: [next], value: bytes });
      ops.push(
        metaOp(next, {
          refcount: 1,
          content_type: "text/x-citadel-variformat",
          rfc822_length: bytes.length,
        }),
      );
      ops.push({ table: "msglists" as const, key: [room.number, next], value: new Uint8Array(0) });
    }
    room = { ...room, highest: next };
    await store.write([...ops, roomOp(room), counterOp("MMhighest", next)]);
  }
  return name;
}

/** Times a full mirror and a no-change rerun of a mailbox of `messages` messages. */
export async function benchMirror(messages: number): Promise<MirrorBench> {
  const root = await Deno.makeTempDir({ prefix: "ctdlsync-bench-mirror-" });
  const store = await Store.open(`${root}/store`, { create: true });
  await buildFixture(store);
  const mailbox = await fillMailbox(store, messages);
  const server = new CitadelServer(store, { port: 0 });
  server.start();
  const opts = {
    from: `127.0.0.1:${server.port}`,
    user: FIXTURE_USERS.alice.name,
    password: FIXTURE_USERS.alice.password,
    to: `${root}/tree`,
    rooms: [mailbox],
  };
  try {
    let t = performance.now();
    const full = await runMirror(opts);
    const mirror_full_s = (performance.now() - t) / 1000;
    if (full.rooms[0]?.items !== messages + 1) throw new Error("mirror bench: wrong count");
    t = performance.now();
    await runMirror(opts);
    const mirror_rerun_s = (performance.now() - t) / 1000;
    await Deno.writeTextFile(`${root}/pw`, opts.password);
    t = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ctdlsyncArgs([
        "mirror",
        "--from",
        opts.from,
        "--user",
        opts.user,
        "--password-file",
        `${root}/pw`,
        "--to",
        opts.to,
        "--rooms",
        mailbox,
      ]),
      stdout: "null",
      stderr: "null",
    }).output();
    const mirror_rerun_process_s = (performance.now() - t) / 1000;
    if (!out.success) throw new Error("mirror bench: the rerun process failed");
    return { mirror_full_s, mirror_rerun_s, mirror_rerun_process_s, messages };
  } finally {
    await server.stop(2);
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { messages: { type: "string", default: "50000" }, json: { type: "boolean" } },
  });
  log.quiet = true;
  const r = await benchMirror(Number(values.messages));
  if (values.json) console.log(JSON.stringify(r));
  else {
    console.log(
      `mirror of a ${r.messages}-message mailbox: full ${r.mirror_full_s.toFixed(2)} s, ` +
        `no-change rerun ${r.mirror_rerun_s.toFixed(3)} s ` +
        `(${r.mirror_rerun_process_s.toFixed(2)} s as a process, start-up included)`,
    );
  }
  Deno.exit(0);
}
