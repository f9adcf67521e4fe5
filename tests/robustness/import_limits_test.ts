/**
 * Import memory is bounded (issue 12, item 7): deep nesting, junk before the root and an
 * endless tag are refused early with one line naming line and element, and the target
 * store is left as it was. Each case is a real file imported by the real CLI.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../_helpers.ts";
import { assertOneLine, scratch } from "./_import.ts";

const HEAD = `<?xml version="1.0" encoding="UTF-8" ?>\n<citadel_migrate_data>\n`;

Deno.test("import_limits: 200,000 nested elements stop at the depth limit, naming line and element", async () => {
  const s = await scratch();
  try {
    const file = join(s.dir, "deep.xml");
    await Deno.writeTextFile(file, HEAD + "<user>\n" + "<u_x>".repeat(200_000));
    const r = await runCli("import", "--migr", file, "--data", s.data);
    assert.equal(r.code, 1);
    const line = assertOneLine(r.stderr);
    assert.match(
      line,
      /line 4, <u_x>: elements nested deeper than 8 \(inside <u_x> opened at line 4\)/,
    );
    assert.match(line, /data is unchanged$/);
    // No store was made (the directory may exist: it holds the command's lock).
    assert.equal(await Deno.stat(join(s.data, "ctdlsync.kv")).then(() => true, () => false), false);
  } finally {
    await s.done();
  }
});

Deno.test("import_limits: 1 GB without '<' is refused after 64 KiB, never buffered", async () => {
  const s = await scratch();
  try {
    // A sparse file of NUL bytes: 1 GB to the reader, nothing on disk.
    const file = join(s.dir, "junk.bin");
    const f = await Deno.open(file, { write: true, create: true });
    await f.truncate(1024 ** 3);
    f.close();
    const start = performance.now();
    const r = await runCli("import", "--migr", file, "--data", s.data);
    assert.equal(r.code, 1);
    const line = assertOneLine(r.stderr);
    assert.match(line, /line 1: more than 65536 characters before <citadel_migrate_data>/);
    // The NULs are shown escaped, never raw.
    assert.match(line, /starts "\\u0000\\u0000/);
    // Refused long before reading the gigabyte (the reader stops at the limit).
    assert.ok(performance.now() - start < 60_000);
  } finally {
    await s.done();
  }
});

Deno.test("import_limits: text before the root and an endless tag name their line", async () => {
  const s = await scratch();
  try {
    const prolog = join(s.dir, "prolog.xml");
    await Deno.writeTextFile(prolog, "hello\nworld\n" + HEAD + "</citadel_migrate_data>\n");
    let r = await runCli("import", "--migr", prolog, "--data", s.data);
    assert.equal(r.code, 1);
    assert.match(assertOneLine(r.stderr), /line 4: text before the document: "hello"/);

    const tag = join(s.dir, "tag.xml");
    await Deno.writeTextFile(tag, HEAD + "<user" + " a".repeat(100_000));
    r = await runCli("import", "--migr", tag, "--data", s.data);
    assert.equal(r.code, 1);
    assert.match(
      assertOneLine(r.stderr),
      /line 3, <citadel_migrate_data>: a tag longer than 65536 characters: "<user a a/,
    );
  } finally {
    await s.done();
  }
});

Deno.test("import_limits: errors quote the document's bytes instead of echoing them", async () => {
  const s = await scratch();
  try {
    const file = join(s.dir, "esc.xml");
    await Deno.writeTextFile(
      file,
      HEAD + "<user>\n<u_usernum>\u001b[2J\u001b]0;pwned\u0007</u_usernum>\n" +
        "<u_fullname>x</u_fullname>\n</user>\n</citadel_migrate_data>\n",
    );
    const r = await runCli("import", "--migr", file, "--data", s.data);
    assert.equal(r.code, 1);
    const line = assertOneLine(r.stderr);
    assert.match(line, /line 4, <u_usernum>: "\\u001b\[2J\\u001b\]0;pwned\\u0007" is not a whole/);
  } finally {
    await s.done();
  }
});
