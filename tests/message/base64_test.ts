import assert from "node:assert/strict";
import { decodeBase64Lenient, encodeCitadelBase64 } from "../../src/message/mod.ts";
import { haveExport, readExportedMessages } from "./_migr_export.ts";
import { assertFormatError } from "./_assert.ts";

const CRLF = "\r\n";

/** Standard padded base64 of `bytes`, from the platform, as an independent reference. */
function btoaBytes(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function bytesOf(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

Deno.test({
  name: "real 902 export: re-encoding each decoded msg_text gives back the exact original text",
  ignore: !haveExport,
  fn() {
    const exported = readExportedMessages();
    assert.equal(exported.length, 201);
    let endsWithCrlf = 0;
    let multipleOf51 = 0;
    let splitGroup = 0;
    for (const { msgnum, text } of exported) {
      const bytes = decodeBase64Lenient(text);
      assert.equal(encodeCitadelBase64(bytes), text, `message ${msgnum} re-encodes verbatim`);
      assert.deepEqual(decodeBase64Lenient(text.replaceAll(CRLF, "")), bytes);
      const lines = text.split(CRLF);
      for (const line of lines.slice(0, -2)) assert.equal(line.length, 68, `message ${msgnum}`);
      if (text.endsWith(CRLF)) endsWithCrlf++;
      if (bytes.length % 51 === 0) multipleOf51++;
      if (/=$/.test(lines.at(-1)!)) splitGroup++;
      // The CRLF rule as 902 really applies it: after the last chunk whatever its length,
      // so the text ends with CRLF whenever no partial group is left to flush.
      assert.equal(text.endsWith(CRLF), bytes.length % 3 === 0, `message ${msgnum}`);
    }
    assert.equal(multipleOf51, 3);
    assert.equal(endsWithCrlf, 67);
    assert.equal(splitGroup, 201 - 67);
  },
});

Deno.test("encodeCitadelBase64 breaks lines like libcitadel 902 at the chunk edges", () => {
  const enc = (s: string) => encodeCitadelBase64(new TextEncoder().encode(s));
  assert.equal(enc(""), "");
  assert.equal(enc("a"), "Y" + CRLF + "Q==");
  assert.equal(enc("ab"), "YW" + CRLF + "I=");
  assert.equal(enc("abc"), "YWJj" + CRLF);
  assert.equal(enc("abcd"), "YWJjZ" + CRLF + "A==");
  // Each case: input length, then how the standard base64 is cut, CRLF between the pieces.
  const cases: [number, number[]][] = [
    [51, [68, 0]],
    [52, [68, 1, 3]],
    [53, [68, 2, 2]],
    [54, [68, 4, 0]],
    [102, [68, 68, 0]],
    [103, [68, 68, 1, 3]],
  ];
  for (const [length, pieces] of cases) {
    const bytes = bytesOf(length);
    const standard = btoaBytes(bytes);
    let at = 0;
    const expected = pieces.map((n) => standard.slice(at, at += n)).join(CRLF);
    assert.equal(at, standard.length);
    assert.equal(encodeCitadelBase64(bytes), expected, `length ${length}`);
  }
});

Deno.test("encodeCitadelBase64 output decodes back for every length from 0 to 300", () => {
  for (let length = 0; length <= 300; length++) {
    const bytes = bytesOf(length, length + 7);
    const text = encodeCitadelBase64(bytes);
    assert.deepEqual(decodeBase64Lenient(text), bytes, `length ${length}`);
    assert.equal(text.replaceAll(CRLF, ""), btoaBytes(bytes), `length ${length}`);
    assert.equal(text.split(CRLF).length - 1, Math.ceil(length / 51), `CRLFs at length ${length}`);
  }
});

Deno.test("decodeBase64Lenient drops CR, LF and spaces anywhere, even inside a group", () => {
  const abc = [0x61, 0x62, 0x63];
  assert.deepEqual([...decodeBase64Lenient("YWJj")], abc);
  assert.deepEqual([...decodeBase64Lenient(" Y W\r\nJ\nj\r\n")], abc);
  assert.deepEqual([...decodeBase64Lenient("YW\r\nI=")], [0x61, 0x62]);
  assert.deepEqual([...decodeBase64Lenient("Y\r\nQ=\r\n=")], [0x61]);
  assert.deepEqual([...decodeBase64Lenient("\r\n")], []);
  const bytes = bytesOf(1000);
  assert.deepEqual(decodeBase64Lenient(btoaBytes(bytes)), bytes);
});

Deno.test("decodeBase64Lenient rejects characters outside the alphabet, naming the offset", () => {
  assertFormatError(
    () => decodeBase64Lenient("YWJj!AAA"),
    /^invalid base64 character '!' \(0x21\) at offset 4$/,
  );
  assertFormatError(() => decodeBase64Lenient("YW\tJj"), /character 0x09 at offset 2/);
  assertFormatError(() => decodeBase64Lenient("YWJ-"), /'-' \(0x2D\) at offset 3/);
  assertFormatError(() => decodeBase64Lenient("YWJ_"), /'_' \(0x5F\) at offset 3/);
  assertFormatError(() => decodeBase64Lenient("YWJé"), /0xE9 at offset 3/);
});

Deno.test("decodeBase64Lenient rejects truncated text and misplaced padding", () => {
  assertFormatError(() => decodeBase64Lenient("YWJ"), /3 characters .* not a multiple of 4/);
  assertFormatError(() => decodeBase64Lenient("YWJjY\r\n"), /5 characters/);
  assertFormatError(() => decodeBase64Lenient("YW=j"), /continues after '=' padding at offset 3/);
  assertFormatError(() => decodeBase64Lenient("YWJj===="), /ends with 4 '='/);
  assertFormatError(() => decodeBase64Lenient("YWJjY==="), /ends with 3 '='/);
  assertFormatError(() => decodeBase64Lenient("YWJj=AAA"), /continues after '=' padding/);
});
