/**
 * Replays replies-all-verbs.txt (the real Citadel 902's answers to a scenario that uses every
 * client verb, five sessions side by side) against a ctdlsync server loaded from the same
 * data set, and holds every server line to 902's.
 *
 * Tokens are wildcards bound at first sight (see ../shared/.../README.md). RDIR and `MESG ?`
 * listings come in 902's readdir() order, so their bodies are compared sorted.
 *
 * The only lines allowed to differ are the rules of _exceptions.ts, each one field or line
 * wide and of one of its kinds: a 902 bug the README lists that ctdlsync fixes, the
 * software's name, no writes on login, password hashes, a host-specific value
 * (docs/interop.md gives the same list). For each, the test holds the reply to what
 * ctdlsync answers instead; every other server line must match.
 */
import assert from "node:assert/strict";
import { sharedFile, startServer, tempStore } from "../_helpers.ts";
import { EXPORT, loadRealSystem } from "../migr/_real.ts";
import { creuAccountsNeverLoggedIn, exceptionRules, roomsWithBanner } from "./_exceptions.ts";
import { Bindings, type Expected, parseGolden, RawReader } from "./_golden.ts";

const GOLDEN = sharedFile("fixtures/real-citadel-902/small/replies-all-verbs.txt");

interface Conn {
  conn: Deno.TcpConn;
  reader: RawReader;
}

const enc = new TextEncoder();

/** Deterministic bytes for a client upload (the golden file records only their length). */
function uploadBytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => 0x20 + (i * 7) % 95);
}

Deno.test({
  name: "all verbs: a server loaded from the real export answers as Citadel 902 did",
  ignore: !GOLDEN,
  async fn() {
    const steps = parseGolden(Deno.readTextFileSync(GOLDEN!));
    const t = await tempStore();
    await loadRealSystem(t.store);
    const { server } = startServer(t.store);
    const conns = new Map<number, Conn>();
    const b = new Bindings();
    let cur: Conn | null = null;
    let expected = 0;
    let matched = 0;
    const failures: string[] = [];
    const rules = exceptionRules(
      roomsWithBanner(Deno.readTextFileSync(EXPORT!)),
      creuAccountsNeverLoggedIn(Deno.readTextFileSync(GOLDEN!)),
    );
    const applied = new Map<string, number>();
    // What the golden side and the ctdlsync side are in: a body being sent (4xx/8xx).
    let bodyGolden: "400" | "800" | null = null;
    let bodyOurs: "400" | "800" | null = null;
    let binaryOurs = false;
    let verb = "";
    let cmdAt = 0;

    const readReply = async (c: Conn): Promise<string[]> => {
      const first = await c.reader.line();
      const out = [first];
      if (/^1\d\d/.test(first)) {
        while (out[out.length - 1] !== "000") out.push(await c.reader.line());
      } else if (/^6\d\d/.test(first)) {
        const n = Number(first.slice(4).split("|")[0]);
        out.push(`[${(await c.reader.bytes(n)).length} bytes binary]`);
      }
      return out;
    };
    const readUntil000 = async (c: Conn): Promise<string[]> => {
      const out: string[] = [];
      do out.push(await c.reader.line()); while (out[out.length - 1] !== "000");
      return out;
    };
    const compare = (want: Expected[], got: string[], at: number) => {
      const sorted = verb === "RDIR" || cmdLine(at).startsWith("MESG ?");
      let w = want.map((e) => e.line);
      let g = got;
      for (const rule of rules) {
        const changed = rule.apply(cmdLine(at), w, got, (t) => b.fill(t));
        if (changed === null || JSON.stringify(changed) === JSON.stringify(w)) continue;
        applied.set(rule.name, (applied.get(rule.name) ?? 0) + 1);
        w = changed;
      }
      if (sorted && w.length > 2) w = [w[0], ...w.slice(1, -1).sort(), w[w.length - 1]];
      if (sorted && g.length > 2) g = [g[0], ...g.slice(1, -1).sort(), g[g.length - 1]];
      let ok = w.length === g.length;
      for (let i = 0; i < w.length; i++) {
        expected++;
        if (i < g.length && b.match(w[i], g[i])) matched++;
        else ok = false;
      }
      if (ok) return;
      const msg = `line ${at} ${cmdLine(at)}\n  want: ${JSON.stringify(w)}\n  got:  ${
        JSON.stringify(g)
      }`;
      failures.push(msg);
      if (Deno.env.get("REPLAY_VERBOSE")) console.log(msg);
    };
    const lines = Deno.readTextFileSync(GOLDEN!).split("\n");
    const cmdLine = (at: number) => lines[at - 1].slice(2);

    let at = 0;
    try {
      for (const step of steps) {
        at = step.at;
        if (step.kind === "session") {
          if (step.fresh) {
            const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
            conns.set(step.n, { conn, reader: new RawReader(conn.readable) });
          }
          cur = conns.get(step.n)!;
          continue;
        }
        const c = cur!;
        if (step.kind === "server") {
          // A greeting, or a line the server sends on its own (ASYN's 902).
          verb = step.line.startsWith("902") ? "ASYN" : "";
          const got = await c.reader.line().catch((e) => `(nothing: ${(e as Error).message})`);
          compare([{ line: step.line, at: step.at }], [got], step.at);
          continue;
        }
        if (step.binary !== undefined) {
          if (binaryOurs) await c.conn.write(uploadBytes(step.binary));
          binaryOurs = false;
          continue;
        }
        const line = b.fill(step.line);
        if (bodyGolden) {
          // A line of a body (ENT0 text, a listing sent after 4xx): ours gets it only if our
          // server asked for a body too.
          if (bodyOurs) await c.conn.write(enc.encode(line + "\n"));
          if (step.line === "000") {
            const got = bodyOurs === "800" ? await readUntil000(c) : [];
            compare(step.expect, got, cmdAt);
            if (bodyOurs === "400") {
              // Nothing answers a 4xx body, so before the next session acts (a page must
              // have arrived), a NOOP waits until this one has been handled. NOOP changes
              // nothing, not even RWHO's last command.
              await c.conn.write(enc.encode("NOOP\n"));
              await c.reader.line();
            }
            bodyGolden = bodyOurs = null;
          }
          continue;
        }
        verb = step.line.slice(0, 4).toUpperCase();
        cmdAt = step.at;
        await c.conn.write(enc.encode(line + "\n"));
        if (step.expect.length === 0) continue; // QNOP, or a page that has no reply
        const got = await readReply(c);
        const want0 = step.expect[0].line;
        bodyGolden = /^[48]00/.test(want0) ? want0.slice(0, 3) as "400" | "800" : null;
        bodyOurs = /^[48]\d\d/.test(got[0]) ? (got[0][0] === "4" ? "400" : "800") : null;
        binaryOurs = /^7\d\d/.test(got[0]);
        if (bodyOurs && !bodyGolden) {
          // Ours waits for a body the golden side never sends: end it and read what follows.
          await c.conn.write(enc.encode("000\n"));
          if (bodyOurs === "800") got.push(...await readUntil000(c));
          bodyOurs = null;
        }
        compare(step.expect, got, step.at);
      }
    } catch (e) {
      throw new Error(`replay stopped at line ${at}: ${(e as Error).message}`);
    } finally {
      for (const c of conns.values()) {
        await c.reader.cancel();
        try {
          c.conn.close();
        } catch {
          // already closed by QUIT
        }
      }
      await server.stop(2);
      await t.cleanup();
    }
    console.log(
      `all verbs: ${matched}/${expected} server lines match; ` +
        `documented exceptions applied: ${[...applied].map(([r, n]) => `${r} ${n}`).join(", ")}`,
    );
    assert.ok(expected > 2000, `only ${expected} server lines compared`);
    const unused = rules.filter((r) => !applied.has(r.name)).map((r) => r.name);
    assert.deepEqual(unused, [], "documented exceptions that no reply needed");
    assert.deepEqual(failures, [], failures.join("\n"));
    // Every server line matched, the documented exceptions applied and nothing else.
    assert.equal(matched, expected, `${expected - matched} server lines differ`);
    assert.deepEqual(b.unbound, [], "tokens a client line needed that no reply bound");
  },
});
