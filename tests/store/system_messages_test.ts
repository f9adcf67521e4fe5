import assert from "node:assert/strict";
import { expandCitadel } from "../../src/store/system_messages.ts";

// Citadel's do_help_subst matches each macro without regard to case and wherever it
// stands, also right before more letters; MESG on a duplicate must show a raw 902 banner
// the same way.
Deno.test("MESG macros: matched without regard to case, also before more letters", () => {
  const values = { username: "Alice", usernum: "7", nodename: "uncensored" };
  assert.equal(
    expandCitadel("Hi ^USERNAME (#^usernum), ^usernames on ^NodeName.\n^bbsdir", values),
    "Hi Alice (#7), Alices on uncensored.\n^bbsdir",
  );
});

Deno.test("MESG macros: substituted in Citadel's order, each occurrence, line by line", () => {
  // ^nodename is substituted before ^username, so a node value that spells a macro is
  // expanded again, as in Citadel.
  assert.equal(
    expandCitadel("^nodename ^nodename", { nodename: "^username", username: "x" }),
    "x x",
  );
});
