import assert from "node:assert/strict";
import { MessageFormatError } from "../../src/message/message.ts";

/** Asserts that `fn` throws a MessageFormatError whose reason matches. */
export function assertFormatError(fn: () => unknown, reason: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MessageFormatError, `expected MessageFormatError, got ${err}`);
    assert.match(err.message, reason);
    return true;
  });
}
