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
  htmlToText,
  icalSummaryLines,
  renderMsg0,
  renderMsg2,
  renderMsg4,
  rfc822Date,
  vcardValueLines,
} from "../../src/message/render.ts";

const REAL = "fixtures/real-citadel-902/small";
/** The real 902 export and recorded replies, or null where ../shared is absent (skip). */
const XML = sharedFile(`${REAL}/migr-export.xml`);
const REPLIES = sharedFile(`${REAL}/replies.txt`);

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

Deno.test({
  name: "render: MSG0 and MSG4 of real 902 messages match the real server's replies",
  ignore: !XML || !REPLIES,
  fn() {
    const messages = exportedMessages(XML!);
    const reads = recordedReads(REPLIES!);
    assert.ok(reads.length >= 10, `found ${reads.length} recorded reads`);
    for (const { cmd, msgnum, lines } of reads) {
      const msg = messages.get(msgnum);
      assert.ok(msg, `message ${msgnum} is in the export`);
      // The recorded session is an Aide that sent MSGP text/plain|text/html before each MSG4.
      const opts = { roomAide: true, preferred: ["text/plain", "text/html"] };
      const got = cmd === "MSG0" ? renderMsg0(msg, opts) : renderMsg4(msg, opts);
      assert.deepEqual(got.map(binaryToUtf8), lines, `${cmd} ${msgnum}`);
    }
  },
});

Deno.test({
  name: "render: real 902 attachment decodes to OPNA's 68 bytes; dirty bytes survive",
  ignore: !XML,
  fn() {
    const messages = exportedMessages(XML!);
    const text = toBinaryString(fieldBytesOf(messages.get(58)!));
    const part = findPart(text, "2")!;
    assert.equal(part.filename, "notes-10.txt");
    assert.equal(part.content.length, 94, "part= lists the encoded length");
    assert.equal(decodePart(part)!.length, 68, "OPNA serves the decoded bytes");
    // Message 61 holds double-encoded UTF-8: the body line goes out as the stored bytes.
    const dirty = messages.get(61)!;
    const body = renderMsg0(dirty).slice(renderMsg0(dirty).indexOf("text") + 1);
    assert.equal(body.join("\n") + "\n", toBinaryString(fieldBytesOf(dirty)));
    // Every real message renders in every form, with its own fields in the headers.
    for (const [num, msg] of messages) {
      const field = (t: string) => {
        const f = msg.fields.find((x) => x.type === t);
        return f && toBinaryString(f.value);
      };
      const m0 = renderMsg0(msg);
      const head0 = m0.slice(0, m0.indexOf("text"));
      assert.ok(head0.length > 0, `MSG0 ${num} has headers, then text`);
      for (const [key, letter] of [["msgn", "I"], ["time", "T"], ["subj", "U"], ["room", "O"]]) {
        const v = field(letter);
        if (v !== undefined) assert.ok(head0.includes(`${key}=${v}`), `MSG0 ${num}: ${key}=${v}`);
      }
      const m4 = renderMsg4(msg, { preferred: ["text/plain"] });
      assert.deepEqual(
        m4.slice(0, m4.indexOf("text")),
        head0.filter((l) => !l.startsWith("type=")),
        `MSG4 ${num} has MSG0's headers`,
      );
      const m2 = renderMsg2(msg, { nodename: "fixturebbs", fqdn: "fixturebbs.example.org" });
      assert.ok(m2.every((l) => l.endsWith("\r")), `MSG2 ${num}: CRLF lines`);
      const head2 = m2.slice(0, m2.indexOf("\r"));
      assert.ok(head2.length > 0, `MSG2 ${num}: headers, a blank line, the body`);
      if (field("I")) assert.ok(head2.includes(`Message-ID: <${field("I")}>\r`), `MSG2 ${num}`);
      if (field("U")) assert.ok(head2.includes(`Subject: ${field("U")}\r`), `MSG2 ${num}`);
    }
  },
});

function fieldBytesOf(msg: CitadelMessage): Uint8Array {
  return msg.fields.findLast((f) => f.type === "M")!.value;
}

const NESTED = [
  'Content-type: multipart/mixed; boundary="outer"',
  "",
  "preamble",
  "--outer",
  'Content-type: multipart/alternative; boundary="inner"',
  "",
  "--inner",
  "Content-type: text/plain; charset=utf-8",
  "",
  "plain text",
  "--inner",
  "Content-type: text/html",
  "",
  "<p>html &amp; more</p>",
  "--inner--",
  "--outer",
  'Content-Type: application/pdf; name="a.pdf"',
  "Content-Disposition: attachment;",
  '  filename="a.pdf"',
  "Content-Transfer-Encoding: base64",
  "Content-ID: <part2@x>",
  "",
  "aGVsbG8gcGRm",
  "--outer--",
  "",
].join("\r\n");

Deno.test("mime: nested multipart numbering, CRLF boundaries, folded headers, params", () => {
  const nodes = walkMime(NESTED);
  assert.deepEqual(
    nodes.map((n) =>
      n.kind === "part" ? `part ${n.part.partnum}` : `${n.kind} ${n.container.partnum}`
    ),
    ["begin ", "begin 1", "part 1.1", "part 1.2", "end 1", "part 2", "end "],
  );
  const parts = mimeParts(NESTED);
  assert.equal(parts[0].content, "plain text", "the CRLF before a boundary is not content");
  assert.equal(parts[0].charset, "utf-8");
  assert.equal(parts[1].contentType, "text/html");
  const pdf = parts[2];
  assert.deepEqual(
    [pdf.name, pdf.filename, pdf.disposition, pdf.contentType, pdf.encoding, pdf.id],
    ["a.pdf", "a.pdf", "attachment", "application/pdf", "base64", "part2@x"],
  );
  assert.equal(decodePart(pdf), "hello pdf");
  assert.equal(findPart(NESTED, "PART2@X")?.partnum, "2", "by Content-ID too");
  // MSG0's part list leaves out what is inside multipart/alternative.
  const msg = newMessage({ format: 4, fields: { A: "Ann", M: NESTED } });
  const lines = renderMsg0(msg, { headers: HeaderMode.ONLY });
  assert.deepEqual(lines.filter((l) => /^(pref|part|suff)=/.test(l)), [
    "pref=|multipart/mixed",
    "part=a.pdf|a.pdf|2|attachment|application/pdf|12|part2@x|",
    "suff=|multipart/mixed",
  ]);
});

Deno.test("mime: transfer encodings; identity encodings report none; unknown ones drop", () => {
  const one = (enc: string, body: string) =>
    mimeParts(`Content-type: text/plain\nContent-transfer-encoding: ${enc}\n\n${body}`)[0];
  assert.equal(one("8bit", "x\n").encoding, "");
  assert.equal(one("BINARY", "x\n").encoding, "");
  assert.equal(
    decodePart(one("quoted-printable", "caf=C3=A9 =\nau lait\n")),
    "caf\xc3\xa9 au lait\n",
  );
  assert.equal(decodePart(one("base64", "aGk=\n")), "hi");
  assert.equal(decodePart(one("x-uuencode", "begin\n")), null);
  // A part whose headers run to the end has no body: Citadel reports nothing.
  assert.deepEqual(mimeParts("Content-type: text/plain\n"), []);
  assert.equal(mimeParts("no headers at all\n\nbody\n")[0].contentType, "text/plain");
});

Deno.test("render: a body line of exactly 000 is sent as '000 ' in every form", () => {
  assert.equal(escapeListingLine("000"), "000 ");
  assert.equal(escapeListingLine("0000"), "0000");
  const v = newMessage({ fields: { A: "Ann", M: "a\n000\nb\n" } });
  assert.deepEqual(renderMsg0(v).slice(-3), ["a", "000 ", "b"]);
  assert.deepEqual(renderMsg4(v).slice(-3), ["a", "000 ", "b"]);
  assert.ok(renderMsg2(v, { nodename: "n", fqdn: "n.org" }).includes("000 \r"));
  const mime = newMessage({
    format: 4,
    fields: { A: "Ann", M: "Content-type: text/plain\n\na\n000\nb\n" },
  });
  const m4 = renderMsg4(mime, { preferred: ["text/plain"] });
  // Content-length counts what is sent: 8 bytes of text plus the escape's space.
  assert.ok(m4.includes("Content-length: 9"), m4.join("|"));
  assert.deepEqual(m4.slice(-3), ["a", "000 ", "b"]);
});

Deno.test("render: variformat wraps past column 72; fixed format splits lines over 250", () => {
  const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ");
  const wrapped = formatVariformat(words + "\r\n second paragraph\n");
  assert.ok(wrapped.length > 2);
  assert.ok(wrapped[0].length > 72 && wrapped[0].length < 80, wrapped[0]);
  assert.equal(
    wrapped.join(" ").replace(/ +/g, " "),
    (words + " second paragraph").replace(/ +/g, " "),
  );
  assert.equal(wrapped.at(-1), " second paragraph", "a leading space marks a paragraph");
  assert.equal(formatVariformat("x".repeat(2500)).length, 3, "no spaces: cut after 1001");
  const long = Array.from({ length: 60 }, () => "abcd").join(" ");
  const fixed = formatFixed(`${long}\nshort\n`);
  assert.ok(fixed[0].length <= 251 && fixed[0].endsWith("abcd"), fixed[0]);
  assert.equal([fixed[0], fixed[1]].join(" "), long);
  assert.equal(fixed[2], "short");
  assert.deepEqual(
    formatFixed("a\r\nb"),
    ["a", "", "b"],
    "Citadel's splitter treats CR as a line end",
  );
});

Deno.test("render: MSG0 headers: order, anonymous authors, rfca only for remote nodes", () => {
  const fields = {
    I: "id@x",
    P: "ann",
    T: "1700000000",
    A: "Ann",
    F: "ann@x.org",
    O: "Lobby",
    N: "node",
    R: "Bob",
    E: "e1",
    U: "Hi",
    M: "text\n",
  };
  assert.deepEqual(renderMsg0(newMessage({ fields })), [
    "type=0",
    "msgn=id@x",
    "path=ann",
    "time=1700000000",
    "from=Ann",
    "room=Lobby",
    "node=node",
    "rcpt=Bob",
    "exti=e1",
    "subj=Hi",
    "text",
    "text",
  ]);
  const remote = renderMsg0(newMessage({ fields: { ...fields, N: "remote.example.org" } }));
  assert.ok(remote.includes("rfca=ann@x.org"), "a dotted node name is not local");
  const anon = renderMsg0(newMessage({ anon: 66, fields }));
  assert.deepEqual(anon.slice(0, 2), ["type=0", "nhdr=yes"]);
  assert.ok(anon.includes("from=****"));
  assert.ok(renderMsg0(newMessage({ anon: 67, fields })).includes("from=anonymous"));
  assert.ok(
    renderMsg0(newMessage({ anon: 67, fields }), { roomAide: true }).includes(
      "from=anonymous [Ann]",
    ),
  );
  assert.deepEqual(renderMsg0(newMessage({ fields: { A: "Ann" } })).slice(-2), ["", " (no text)"]);
});

Deno.test("render: MSG4 picks the client's preferred part and decodes unless dont_decode", () => {
  const alt = newMessage({
    format: 4,
    fields: {
      A: "Ann",
      M: [
        'Content-type: multipart/alternative; boundary="b"',
        "",
        "--b",
        "Content-type: text/plain",
        "",
        "plain",
        "--b",
        "Content-type: text/html; charset=utf-8",
        "Content-transfer-encoding: base64",
        "",
        btoa("<b>bold</b>\n"),
        "--b--",
        "",
      ].join("\n"),
    },
  });
  const html = renderMsg4(alt, { preferred: ["text/html", "text/plain"] });
  assert.ok(!html.some((l) => l.startsWith("part=")), "alternatives are not listed");
  assert.deepEqual(html.slice(html.indexOf("text") + 1), [
    "Content-type: text/html; charset=utf-8",
    "Content-length: 12",
    "Content-transfer-encoding: binary",
    "X-Citadel-MSG4-Partnum: 2",
    "",
    "<b>bold</b>",
  ]);
  const raw = renderMsg4(alt, { preferred: ["text/html"], dontDecode: true });
  assert.ok(raw.includes("Content-transfer-encoding: base64"));
  assert.equal(raw.at(-1), btoa("<b>bold</b>\n"));
  const plain = renderMsg4(alt, { preferred: ["text/plain", "text/html"] });
  assert.deepEqual(plain.slice(-6), [
    "Content-type: text/plain",
    "Content-length: 6",
    "Content-transfer-encoding: 7bit",
    "X-Citadel-MSG4-Partnum: 1",
    "",
    "plain",
  ]);
  // Nothing preferred: part 1 as plain text; MSG0 shows the first alternative only.
  assert.deepEqual(renderMsg4(alt).slice(-3), ["Content-type: text/plain", "", "plain"]);
  assert.deepEqual(renderMsg0(alt).slice(-2), ["text", "plain"]);
  const fixed = newMessage({ format: 1, fields: { A: "Ann", M: "  keep  spacing\n" } });
  assert.deepEqual(renderMsg4(fixed).slice(-4), [
    "text",
    "Content-type: text/plain",
    "",
    "  keep  spacing",
  ]);
});

Deno.test("render: MSG0 views of vCards, calendars, HTML and binary attachments", () => {
  assert.deepEqual(
    vcardValueLines("begin:vcard\r\nversion:2.1\r\nfn:Ann\r\n Smith\r\nend:vcard\r\n"),
    ["2.1", "AnnSmith"],
  );
  const ical = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Meet\\, talk\nLOCATION:Room 1\n" +
    "DESCRIPTION:Line\\nTwo\nEND:VEVENT\nEND:VCALENDAR\n";
  assert.deepEqual(icalSummaryLines(ical), ["Meet, talk", "Room 1", "Line", "Two"]);
  const mixed = newMessage({
    format: 4,
    fields: {
      A: "Ann",
      M: [
        'Content-type: multipart/mixed; boundary="m"',
        "",
        "--m",
        "Content-type: text/html",
        "",
        "<html><body><p>One &lt;two&gt;</p><p>Three</p></body></html>",
        "--m",
        "Content-type: image/png",
        "Content-disposition: attachment; filename=pic.png",
        "Content-transfer-encoding: base64",
        "",
        btoa("PNGDATA"),
        "--m--",
      ].join("\n"),
    },
  });
  const body = renderMsg0(mixed);
  assert.deepEqual(body.slice(body.indexOf("text") + 1), [
    "One <two>",
    "",
    "Three",
    "Part 2: pic.png (image/png) (7 bytes)\r",
  ]);
  assert.deepEqual(htmlToText("<pre>a\n  b</pre>"), ["a", "b"]);
});

Deno.test("render: MSG2 writes RFC 822 with CRLF lines and synthesised headers", () => {
  const msg = newMessage({
    fields: {
      P: "ann",
      T: "1700000000",
      A: "Ann Smith",
      O: "Mail",
      N: "node",
      R: "Bob",
      W: "a@x|b@x",
      U: "Hello",
      M: "Body text\n",
    },
  });
  const lines = renderMsg2(msg, { nodename: "node", fqdn: "node.example.org" });
  assert.ok(lines.every((l) => l.endsWith("\r")));
  assert.deepEqual(lines.map((l) => l.slice(0, -1)), [
    "Return-Path: ann",
    "Date: Tue, 14 Nov 2023 22:13:20 -0000",
    "To: Bob@node.example.org",
    "References: <a@x> <b@x>",
    "Subject: Hello",
    "Message-ID: <unknown@node.example.org>",
    'From: "Ann Smith" <ann_smith@node.example.org>',
    "",
    "Body text",
  ]);
  assert.equal(rfc822Date(0), "Thu, 01 Jan 1970 00:00:00 -0000");
  const fast = renderMsg2(msg, { nodename: "node", fqdn: "n", headers: HeaderMode.FAST });
  assert.ok(!fast.includes("Body text\r"));
  const anon = renderMsg2(newMessage({ anon: 66, fields: { A: "Ann" } }), {
    nodename: "node",
    fqdn: "n",
  });
  assert.ok(anon.includes('From: "----" <x@x.org>\r'));
  assert.ok(anon.includes("Subject: (no subject)\r"));
});

Deno.test("render: MSG4 section shows an embedded message/rfc822 part", () => {
  const outer = newMessage({
    format: 4,
    fields: {
      A: "Ann",
      M: [
        'Content-type: multipart/mixed; boundary="z"',
        "",
        "--z",
        "Content-type: text/plain",
        "",
        "Forwarded:",
        "--z",
        "Content-type: message/rfc822",
        "",
        'From: "Carl Inner" <carl@example.com>',
        "Subject: Inner subject",
        "Date: Tue, 14 Nov 2023 22:13:20 -0000",
        "Content-type: text/plain",
        "",
        "Inner body",
        "--z--",
      ].join("\n"),
    },
  });
  assert.equal(embeddedMessage(outer, "0"), outer);
  assert.equal(embeddedMessage(outer, "1"), null, "part 1 is not a message");
  const inner = embeddedMessage(outer, "2")!;
  const lines = renderMsg4(inner, { preferred: ["text/plain"] });
  assert.ok(lines.includes("from=Carl Inner"));
  assert.ok(lines.includes("subj=Inner subject"));
  assert.ok(lines.includes("time=1700000000"));
  assert.equal(lines.at(-1), "Inner body");
  assert.equal(binaryToUtf8(utf8ToBinary("Zoë")), "Zoë");
});
