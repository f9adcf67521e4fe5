import assert from "node:assert/strict";
import { loadVcard, serializeVcard, vcardBeforeSave } from "../../src/message/vcard.ts";

// The card replies-all-verbs.txt posts into Address Book (client form: 3.0, upper case).
const POSTED = [
  "BEGIN:VCARD",
  "VERSION:3.0",
  "N:Harvest;Replacement;;;",
  "FN:Replacement Harvest",
  "EMAIL;TYPE=INTERNET:replacement@example.org",
  "TEL;TYPE=WORK:+1-555-0199",
  "ORG:Harvest Org",
  "UID:fixture-vcard-1-0146",
  "NOTE:replaced by harvest_all_verbs.py",
  "END:VCARD",
  "",
  "",
].join("\n");

Deno.test("vcardBeforeSave: the posted card becomes 902's stored form (243-byte part)", () => {
  const saved = vcardBeforeSave(POSTED, "unused");
  assert.equal(saved.euid, "fixture-vcard-1-0146");
  assert.equal(saved.subject, "Replacement Harvest");
  const head = "Content-type: text/x-vcard\r\n\r\n";
  assert.ok(saved.body.startsWith(head));
  // 902's MSG0 reports this part as 243 bytes: the card plus the CRLF after end:vcard.
  assert.equal(saved.body.length - head.length, 243);
  assert.equal(
    saved.body.slice(head.length),
    "begin:vcard\r\nVERSION:2.1\r\nN:Harvest;Replacement;;;\r\nFN:Replacement Harvest\r\n" +
      "EMAIL;TYPE=INTERNET:replacement@example.org\r\nTEL;TYPE=WORK:+1-555-0199\r\n" +
      "ORG:Harvest Org\r\nUID:fixture-vcard-1-0146\r\n" +
      "NOTE:replaced by harvest_all_verbs.py\r\nend:vcard\r\n\r\n",
  );
});

Deno.test("loadVcard: unfolds, drops charset=, ignores lines outside the card", () => {
  const props = loadVcard(
    "X-BEFORE:no\r\nbegin:VCARD\r\nFN;CHARSET=UTF-8:J\xc3\xbcrgen\r\nNOTE:long\r\n  line\r\n" +
      "bad line\r\n:novalue\r\nEND:VCARD\r\nX-AFTER:no\r\n",
  );
  assert.deepEqual(props, [
    { name: "FN", value: "J\xc3\xbcrgen" },
    { name: "NOTE", value: "long  line" },
  ]);
  // Bytes outside printable ASCII get ;charset=UTF-8 back; VERSION is appended when absent.
  assert.equal(
    serializeVcard(props),
    "begin:vcard\r\nFN;charset=UTF-8:J\xc3\xbcrgen\r\nNOTE:long  line\r\nVERSION:2.1\r\nend:vcard\r\n",
  );
});

Deno.test("vcardBeforeSave: a card without UID gets the one given; N stands in for FN", () => {
  const saved = vcardBeforeSave("BEGIN:VCARD\nN:Doe;Jane\nEND:VCARD\n", "given-uid");
  assert.equal(saved.euid, "given-uid");
  assert.equal(saved.subject, "Doe;Jane");
  assert.match(saved.body, /\r\nUID:given-uid\r\nVERSION:2.1\r\nend:vcard\r\n\r\n$/);
  const none = vcardBeforeSave("BEGIN:VCARD\nUID:u1\nEND:VCARD\n", "x", "http://h/A_B.vfb");
  assert.equal(none.subject, undefined);
  assert.match(none.body, /FBURL;PREF:http:\/\/h\/A_B\.vfb\r\n/);
});

Deno.test("loadVcard: a last line without a line break is not a property (as in libcitadel)", () => {
  assert.deepEqual(loadVcard("BEGIN:VCARD\nFN:A\nNOTE:cut"), [{ name: "FN", value: "A" }]);
});
