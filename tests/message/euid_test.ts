import assert from "node:assert/strict";
import { euidDecision, messageEuid, messageTime, newMessage } from "../../src/message/mod.ts";

Deno.test("euidDecision inserts when the room holds no message with that EUID", () => {
  assert.equal(euidDecision({ time: 1700000000 }, undefined), "insert");
  assert.equal(euidDecision({ time: 0 }, undefined), "insert");
});

Deno.test("euidDecision replaces a held message that is older", () => {
  assert.equal(euidDecision({ time: 1700000100 }, { msgnum: 42, time: 1700000000 }), "replace");
  assert.equal(euidDecision({ time: 1 }, { msgnum: 42, time: 0 }), "replace");
});

Deno.test("euidDecision replaces a held message with the same time", () => {
  assert.equal(euidDecision({ time: 1700000000 }, { msgnum: 42, time: 1700000000 }), "replace");
  assert.equal(euidDecision({ time: 0 }, { msgnum: 42, time: 0 }), "replace");
});

Deno.test("euidDecision drops an incoming message strictly older than the held one", () => {
  assert.equal(euidDecision({ time: 1699999999 }, { msgnum: 42, time: 1700000000 }), "drop");
  assert.equal(euidDecision({ time: 0 }, { msgnum: 42, time: 1 }), "drop");
});

Deno.test("messageEuid reads field E; absent or empty means no EUID", () => {
  const card = newMessage({ format: 4, fields: { E: "Citadel vCard: personal card for Ann" } });
  assert.equal(messageEuid(card), "Citadel vCard: personal card for Ann");
  assert.equal(messageEuid(newMessage({ fields: { E: "" } })), undefined);
  assert.equal(messageEuid(newMessage({ fields: { M: "no euid" } })), undefined);
});

Deno.test("messageTime reads field T like Citadel's atol, 0 when absent or not a number", () => {
  assert.equal(messageTime(newMessage({ fields: { T: "1795319791" } })), 1795319791);
  assert.equal(messageTime(newMessage({ fields: { T: " 1700000000xyz" } })), 1700000000);
  assert.equal(messageTime(newMessage({ fields: { T: "-5" } })), -5);
  assert.equal(messageTime(newMessage({ fields: { T: "soon" } })), 0);
  assert.equal(messageTime(newMessage({ fields: { T: "" } })), 0);
  assert.equal(messageTime(newMessage({ fields: { M: "no time" } })), 0);
});
