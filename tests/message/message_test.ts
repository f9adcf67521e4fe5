import assert from "node:assert/strict";
import {
  type CitadelMessage,
  decodeBase64Lenient,
  encodeCitadelBase64,
  FIELD_BY_MNEMONIC,
  FIELD_ORDER,
  fieldBytes,
  fieldForMnemonic,
  fieldText,
  MNEMONIC_BY_FIELD,
  mnemonicForField,
  newMessage,
  parseMessage,
  removeField,
  serializeMessage,
  setField,
} from "../../src/message/mod.ts";
import { haveExport, readExportedMessages } from "./_migr_export.ts";
import { assertFormatError } from "./_assert.ts";

const enc = new TextEncoder();

/** Builds raw message bytes from a header and `letter + value` strings, each NUL-terminated. */
function raw(anon: number, format: number, ...fields: string[]): Uint8Array {
  return new Uint8Array([0xff, anon, format, ...enc.encode(fields.map((f) => f + "\0").join(""))]);
}

const order = (msg: CitadelMessage) => msg.fields.map((f) => f.type).join("");

Deno.test({
  name: "real 902 export: all 201 messages parse and serialize back byte for byte",
  ignore: !haveExport,
  fn() {
    const exported = readExportedMessages();
    assert.equal(exported.length, 201);
    let previous = 0;
    for (const { msgnum, text } of exported) {
      assert.ok(msgnum > previous, `msgnums ascend (${msgnum} after ${previous})`);
      previous = msgnum;
      const bytes = decodeBase64Lenient(text);
      assert.equal(bytes[0], 0xff, `message ${msgnum} starts with 0xFF`);
      assert.equal(bytes[bytes.length - 1], 0, `message ${msgnum} ends with a NUL`);
      const msg = parseMessage(bytes);
      assert.deepEqual(serializeMessage(msg), bytes, `message ${msgnum} round-trips`);
    }
  },
});

Deno.test({
  name: "real 902 export: fields follow Citadel's write order, M last, as newMessage builds them",
  ignore: !haveExport,
  fn() {
    const orders = new Map<string, number>();
    const anons = new Map<number, number>();
    const formats = new Map<number, number>();
    for (const { msgnum, text } of readExportedMessages()) {
      const bytes = decodeBase64Lenient(text);
      const msg = parseMessage(bytes);
      const letters = order(msg);
      orders.set(letters, (orders.get(letters) ?? 0) + 1);
      anons.set(msg.anon, (anons.get(msg.anon) ?? 0) + 1);
      formats.set(msg.format, (formats.get(msg.format) ?? 0) + 1);
      assert.equal(letters.at(-1), "M", `message ${msgnum} ends with M (${letters})`);
      assert.equal(new Set(letters).size, letters.length, `message ${msgnum} repeats no letter`);
      // Rebuilding from an unordered record must give Citadel's exact bytes back.
      const rebuilt = newMessage({
        anon: msg.anon,
        format: msg.format,
        fields: Object.fromEntries(msg.fields.map((f) => [f.type, f.value]).reverse()),
      });
      assert.deepEqual(serializeMessage(rebuilt), bytes, `message ${msgnum} rebuilt (${letters})`);
    }
    const byCount = [...orders].sort((a, b) => b[1] - a[1]);
    assert.deepEqual(byCount[0], ["IPTAFONHUM", 60]);
    for (const letters of ["IPTAFONHM", "IPTAONUM", "IPTAFONHWUM", "IPTAFONHEUM", "IPTAFONHRUM"]) {
      assert.ok(orders.has(letters), `field order ${letters} occurs`);
    }
    assert.deepEqual([...anons].sort(), [[65, 196], [67, 5]]);
    assert.deepEqual([...formats].sort(), [[0, 133], [1, 22], [4, 46]]);
  },
});

Deno.test("parseMessage rejects empty input", () => {
  assertFormatError(() => parseMessage(new Uint8Array(0)), /^message is empty$/);
});

Deno.test("parseMessage rejects a wrong magic byte and names it", () => {
  assertFormatError(
    () => parseMessage(raw(65, 0, "Mhi").subarray(1)),
    /^byte 0 is 0x41, not 0xFF$/,
  );
  assertFormatError(() => parseMessage(enc.encode("Mhello\0")), /byte 0 is 0x4D, not 0xFF/);
});

Deno.test("parseMessage rejects a header cut short and unknown anon or format bytes", () => {
  assertFormatError(() => parseMessage(new Uint8Array([0xff])), /1 bytes, shorter than the 3-byte/);
  assertFormatError(() => parseMessage(new Uint8Array([0xff, 65])), /2 bytes/);
  assertFormatError(() => parseMessage(raw(64, 0, "Mx")), /anon type 64/);
  assertFormatError(() => parseMessage(raw(65, 2, "Mx")), /format 2/);
  // A header alone is a valid (if useless) message.
  assert.deepEqual(parseMessage(raw(66, 1)), { anon: 66, format: 1, fields: [] });
});

Deno.test("parseMessage rejects a field without NUL terminator, naming letter and offset", () => {
  const bytes = raw(65, 0, "Tl700000000", "AAlice", "Msome text");
  assertFormatError(
    () => parseMessage(bytes.subarray(0, bytes.length - 1)),
    /^field 'M' at byte 22 has no NUL terminator$/,
  );
  assertFormatError(() => parseMessage(new Uint8Array([0xff, 65, 0, 0x55])), /'U' at byte 3/);
});

Deno.test("parseMessage rejects a non-letter byte where a field type belongs", () => {
  assertFormatError(() => parseMessage(raw(65, 0, "AAlice", "", "Mx")), /byte 10 is 0x00/);
  assertFormatError(
    () => parseMessage(new Uint8Array([0xff, 65, 0, 0xc3, 0x41, 0])),
    /byte 3 is 0xC3 where a field type letter should be/,
  );
});

Deno.test("serializeMessage rejects a NUL inside a value and a type that is not one byte", () => {
  const withNul: CitadelMessage = {
    anon: 65,
    format: 0,
    fields: [{ type: "U", value: new Uint8Array([0x61, 0, 0x62]) }],
  };
  assertFormatError(() => serializeMessage(withNul), /field 'U' has a NUL at offset 1/);
  for (const type of ["", "AB", "é", "\0", " "]) {
    const msg: CitadelMessage = { anon: 65, format: 0, fields: [{ type, value: enc.encode("x") }] };
    assertFormatError(() => serializeMessage(msg), /not exactly one printable ASCII byte/);
  }
  assertFormatError(() => serializeMessage({ anon: 65, format: 3, fields: [] }), /format 3/);
});

Deno.test("unknown letters, repeated letters and fields after M survive a round trip", () => {
  const bytes = raw(67, 4, "Xmystery", "Tl700000000", "Afirst", "Afinal", "Mbody", "Qtail", "Z");
  const msg = parseMessage(bytes);
  assert.equal(order(msg), "XTAAMQZ");
  assert.deepEqual(serializeMessage(msg), bytes);
  assert.equal(fieldText(msg, "X"), "mystery");
  assert.equal(fieldText(msg, "Z"), "");
  // As in Citadel's loader, the last of a repeated letter wins.
  assert.equal(fieldText(msg, "A"), "final");
  assert.equal(fieldText(msg, "B"), undefined);
});

Deno.test("a message with a 200 KiB M field round-trips, also through Citadel base64", () => {
  const body = new Uint8Array(200 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = 0x20 + (i * 7919) % 95;
  const msg = newMessage({ format: 1, fields: { M: body, A: "Big", T: "1700000000" } });
  const bytes = serializeMessage(msg);
  assert.equal(bytes.length, 3 + 12 + 5 + body.length + 2);
  const back = parseMessage(bytes);
  assert.deepEqual(fieldBytes(back, "M"), body);
  assert.deepEqual(serializeMessage(back), bytes);
  assert.deepEqual(parseMessage(decodeBase64Lenient(encodeCitadelBase64(bytes))), back);
});

Deno.test("newMessage writes Citadel's 902 order whatever the key order", () => {
  const msg = newMessage({
    fields: {
      M: "hi\n",
      "0": "err",
      U: "Subj",
      E: "uid-1",
      A: "Alice",
      T: "17",
      I: "id@x",
      Q: "?",
    },
  });
  assert.equal(order(msg), "ITAEU0QM");
  assert.equal(msg.anon, 65);
  assert.equal(msg.format, 0);
  assert.deepEqual(
    serializeMessage(msg),
    raw(65, 0, "Iid@x", "T17", "AAlice", "Euid-1", "USubj", "0err", "Q?", "Mhi\n"),
  );
  assertFormatError(() => newMessage({ fields: { U: "a\0b" } }), /field 'U' has a NUL/);
  assertFormatError(() => newMessage({ anon: 70, fields: {} }), /anon type 70/);
});

Deno.test("setField replaces in place and inserts where Citadel 902 would write", () => {
  const base = parseMessage(raw(65, 0, "Iid", "T100", "Mtext"));
  let msg = setField(base, "U", "Subject");
  assert.equal(order(msg), "ITUM");
  msg = setField(msg, "A", "Alice");
  assert.equal(order(msg), "ITAUM");
  msg = setField(msg, "0", "error");
  assert.equal(order(msg), "ITAU0M");
  msg = setField(msg, "P", "path");
  assert.equal(order(msg), "IPTAU0M");
  msg = setField(msg, "X", "unknown letters go just before M");
  assert.equal(order(msg), "IPTAU0XM");
  msg = setField(msg, "T", "200");
  assert.equal(order(msg), "IPTAU0XM");
  assert.equal(fieldText(msg, "T"), "200");
  // The input is never modified.
  assert.equal(order(base), "ITM");
  assert.equal(fieldText(base, "T"), "100");
  // Without an M, M goes last; in an odd order the new field goes before the first one Citadel
  // writes after it.
  assert.equal(order(setField(parseMessage(raw(65, 0, "Ux")), "M", "body")), "UM");
  assert.equal(order(setField(parseMessage(raw(65, 0, "Ux", "Aa", "Mm")), "T", "1")), "TUAM");
  assertFormatError(() => setField(base, "U", "a\0b"), /NUL at offset 1/);
  assertFormatError(() => setField(base, "UU", "x"), /not exactly one/);
});

Deno.test("setField collapses a repeated letter into the first position", () => {
  const msg = parseMessage(raw(65, 0, "Aone", "Utwo", "Athree", "Mm"));
  const set = setField(msg, "A", "four");
  assert.equal(order(set), "AUM");
  assert.equal(fieldText(set, "A"), "four");
});

Deno.test("removeField drops every occurrence and leaves the input unchanged", () => {
  const msg = parseMessage(raw(65, 0, "Aone", "Utwo", "Athree", "Mm"));
  const removed = removeField(msg, "A");
  assert.equal(order(removed), "UM");
  assert.equal(order(msg), "AUAM");
  assert.equal(order(removeField(msg, "Z")), "AUAM");
});

Deno.test("fieldText decodes UTF-8 without throwing and keeps a BOM; fieldBytes is exact", () => {
  const value = new Uint8Array([0xef, 0xbb, 0xbf, 0x43, 0x61, 0x66, 0xc3, 0xa9, 0xff]);
  const msg = newMessage({ fields: { U: value } });
  assert.equal(fieldText(msg, "U"), "\ufeffCafé\ufffd");
  assert.deepEqual(fieldBytes(msg, "U"), value);
  assert.equal(fieldText(newMessage({ fields: { U: "Zoë" } }), "U"), "Zoë");
});

Deno.test("mnemonics: the 19 wire names map one to one onto Citadel field letters", () => {
  const letters = Object.keys(MNEMONIC_BY_FIELD);
  assert.equal(letters.length, 19);
  assert.equal(new Set(Object.values(MNEMONIC_BY_FIELD)).size, 19);
  for (const letter of letters) {
    assert.ok(FIELD_ORDER.includes(letter), `${letter} is a field Citadel writes`);
    const mnemonic = MNEMONIC_BY_FIELD[letter];
    assert.match(mnemonic, /^[a-z0-9]{4}$/);
    assert.equal(FIELD_BY_MNEMONIC[mnemonic], letter);
    assert.equal(fieldForMnemonic(mnemonic), letter);
    assert.equal(mnemonicForField(letter), mnemonic);
  }
  assert.equal(fieldForMnemonic("subj"), "U");
  assert.equal(fieldForMnemonic("text"), "M");
  assert.equal(fieldForMnemonic("wefw"), "W");
  assert.equal(fieldForMnemonic("SUBJ"), undefined);
  assert.equal(fieldForMnemonic("constructor"), undefined);
  assert.equal(mnemonicForField("B"), undefined);
  assert.equal(mnemonicForField("toString"), undefined);
});
