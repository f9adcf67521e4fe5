import assert from "node:assert/strict";
import { sharedFile } from "../_helpers.ts";
import { binaryToUtf8, toBinaryString, utf8ToBinary } from "../../src/message/binary_string.ts";
import { embeddedMessage } from "../../src/message/embedded.ts";
import { decodeBase64Lenient } from "../../src/message/base64.ts";
import { type CitadelMessage, newMessage, parseMessage } from "../../src/message/message.ts";
import { decodePart, findPart, mimeParts, walkMime } from "../../src/message/mime.ts";
import {
  escapeListingLine,
  formatFixed,
  formatVariformat,
  HeaderMode,
  renderMsg0,
  renderMsg2,
  renderMsg4,
  rfc822Date,
  vcardValueLines,
} from "../../src/message/render.ts";

const REAL = "fixtures/real-citadel-902/small";

/** The messages of the real 902 export, by number. */
function exportedMessages(path: string): Map<number, CitadelMessage> {
  const xml = Deno.readTextFileSync(path);
  const out = new Map<number, CitadelMessage>();
  // Not an XML parser: the 902 export is not well-formed (a stray <progress> follows it).
  const re = /<msg_msgnum>(\d+)<\/msg_msgnum>[\s\S]*?<msg_text>([\s\S]*?)<\/msg_text>/g;
  for (const m of xml.matchAll(re)) out.set(Number(m[1]), parseMessage(decodeBase64Lenient(m[2])));
  return out;
}

/** The MSG0/MSG4 exchanges of replies.txt: command, and the reply lines between 100 and 000. */
function recordedReads(path: string): { cmd: string; msgnum: number; lines: string[] }[] {
  const lines = Deno.readTextFileSync(path).split("\n");
  const out: { cmd: string; msgnum: number; lines: string[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^> (MSG0|MSG4) (\d+)\|0$/.exec(lines[i]);
    if (!m) continue;
    assert.equal(lines[i + 1], "< 100 msg:");
    const body: string[] = [];
    for (let j = i + 2; lines[j] !== "< 000"; j++) body.push(lines[j].slice(2));
    out.push({ cmd: m[1], msgnum: Number(m[2]), lines: body });
  }
  return out;
}

Deno.test("render: MSG0 and MSG4 of real 902 messages match the real server's replies", () => {
  const xml = sharedFile(`${REAL}/migr-export.xml`);
  const replies = sharedFile(`${REAL}/replies.txt`);
  if (!xml || !replies) return;
  const messages = exportedMessages(xml);
  const reads = recordedReads(replies);
  assert.ok(reads.length >= 10, `found ${reads.length} recorded reads`);
  for (const { cmd, msgnum, lines } of reads) {
    const msg = messages.get(msgnum);
    assert.ok(msg, `message ${msgnum} is in the export`);
    // The recorded session is an Aide that sent MSGP text/plain|text/html before each MSG4.
    const opts = { roomAide: true, preferred: ["text/plain", "text/html"] };
    const got = cmd === "MSG0" ? renderMsg0(msg, opts) : renderMsg4(msg, opts);
    assert.deepEqual(got.map(binaryToUtf8), lines, `${cmd} ${msgnum}`);
  }
});
