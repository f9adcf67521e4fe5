/**
 * A ctdlsync server loaded from the real Citadel 902 export (plus the system messages and
 * room files MIGR does not carry) must answer the scripted client sessions in replies.txt
 * the way the real server did.
 *
 * Fields that legitimately differ, and only those, are masked before comparing:
 * - PASS: field 2 (times called) and field 6 (last login): 902 counts and stamps the
 *   login being made (and any made between the export and the recording); ctdlsync does
 *   not write on login, so that a pull's own login never changes the data it pulls;
 * - LKRA/LKRN/LZRM: the mtime of the user's own mailbox rooms, which 902 re-creates (and
 *   so re-stamps) at every login;
 * - RDIR: the order of the files (902 lists them in readdir() order, ctdlsync by name);
 * - RDIR: the directory path after the FQDN (the real server's absolute path on disk);
 * - OPNA: field 1, the time the attachment was opened;
 * - READ: the bytes themselves are summarised in replies.txt as `[N bytes binary]`, so the
 *   count is compared.
 */
import assert from "node:assert/strict";
import { CitadelClient } from "../../src/client/connection.ts";
import { sharedFile, startServer, tempStore } from "../_helpers.ts";
import { loadRealSystem } from "../migr/_real.ts";

const REPLIES = sharedFile("fixtures/real-citadel-902/small/replies.txt");

interface Exchange {
  command: string;
  reply: string[];
}

/** Splits replies.txt into sessions of (command, reply lines). */
function parseReplies(text: string): { greeting: string; exchanges: Exchange[] }[] {
  const sessions: { greeting: string; exchanges: Exchange[] }[] = [];
  let newSession = true;
  for (const line of text.split("\n")) {
    // Each session starts with its greeting; sessions after the first follow a "# ----" line.
    if (line.startsWith("# ----")) newSession = true;
    if (newSession && line.startsWith("< ")) {
      sessions.push({ greeting: line.slice(2), exchanges: [] });
      newSession = false;
    } else if (line.startsWith("> ")) {
      sessions[sessions.length - 1].exchanges.push({ command: line.slice(2), reply: [] });
    } else if (line.startsWith("< ")) {
      const cur = sessions[sessions.length - 1];
      cur.exchanges[cur.exchanges.length - 1].reply.push(line.slice(2));
    }
  }
  return sessions;
}

/** Masks the fields listed at the top of this file. */
function mask(command: string, lines: string[]): string[] {
  const verb = command.slice(0, 4).toUpperCase();
  const QR_MAILBOX = 16384;
  const out = lines.map((line, i) => {
    const f = line.split("|");
    if (i !== 0) {
      const isRoomList = ["LKRA", "LKRN", "LKRO", "LZRM", "LRMS"].includes(verb);
      if (isRoomList && f.length >= 9 && Number(f[1]) & QR_MAILBOX) f[8] = "<mtime>";
      return f.join("|");
    }
    if (verb === "PASS" && line.startsWith("200 ")) [f[2], f[6]] = ["<timescalled>", "<lastcall>"];
    if (verb === "RDIR" && line.startsWith("100 ")) f[1] = "<path>";
    if (verb === "OPNA" && line.startsWith("200 ")) f[1] = "<now>";
    return f.join("|");
  });
  if (verb === "RDIR") return [out[0], ...out.slice(1, -1).sort(), ...out.slice(-1)];
  return out;
}

/** Reads a reply the way the command's code says: one line, a listing, or binary. */
async function readReply(c: CitadelClient): Promise<string[]> {
  const first = await c.readReply();
  if (first.code >= 100 && first.code < 200) return [first.line, ...await c.readListing(), "000"];
  if (first.code >= 600 && first.code < 700) {
    const n = Number(first.text.split("|")[0]);
    const bytes = await c.reader.readExact(n);
    return [first.line, `[${bytes.length} bytes binary]`];
  }
  return [first.line];
}

Deno.test({
  name: "replies: a server loaded from the real export answers replies.txt as Citadel 902 did",
  ignore: !REPLIES,
  async fn() {
    const t = await tempStore();
    await loadRealSystem(t.store);
    const { server, address } = startServer(t.store);
    const mismatches: string[] = [];
    let compared = 0;
    try {
      for (const session of parseReplies(Deno.readTextFileSync(REPLIES!))) {
        const c = await CitadelClient.connect(address);
        assert.equal(c.greeting.line, session.greeting);
        for (const ex of session.exchanges) {
          await c.send(ex.command);
          const got = mask(
            ex.command,
            await readReply(c).catch((e) => [`(${(e as Error).message})`]),
          );
          const want = mask(ex.command, ex.reply);
          compared++;
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            mismatches.push(
              `${ex.command}\n  want: ${JSON.stringify(want)}\n  got:  ${JSON.stringify(got)}`,
            );
          }
        }
        c.close();
      }
    } finally {
      await server.stop(2);
      await t.cleanup();
    }
    assert.ok(compared > 40, `only ${compared} exchanges compared`);
    assert.deepEqual(mismatches, [], mismatches.join("\n"));
  },
});
