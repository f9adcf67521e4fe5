/**
 * A streaming reader for Citadel's MIGR export: a purpose-built tokenizer, not a general XML
 * parser. Exports run to gigabytes, so it reads text chunks as they come and hands out one
 * record (a child of the root such as `<user>` or `<message>`) at a time; it never holds more
 * than the record being read.
 *
 * What it accepts is what Citadel writes (see citadel-protocol.md §8.1): elements, attributes,
 * the five named entities and numeric references, `<?xml ...?>` and comments. Everything
 * after `</citadel_migrate_data>` is ignored, because 902 writes a stray
 * `<progress>100</progress>` there. A leading Citadel reply line (`100 Exporting all Citadel
 * databases.`, as `sendcommand` prints it) before the document is skipped.
 *
 * @module
 */

import { quoteSnippet } from "./snippet.ts";
import { unescapeXml } from "./xml_escape.ts";

/** The root element of every MIGR export. */
export const MIGR_ROOT = "citadel_migrate_data";

/** One child of a record: `<u_fullname>Dana O&apos;Brien</u_fullname>`, text decoded. */
export interface MigrField {
  /** Element name; a grandchild is named `parent/child`. */
  name: string;
  text: string;
  line: number;
}

/** One child of the root: its name, attributes, own text and fields, in document order. */
export interface MigrRecord {
  name: string;
  /** Line of the start tag (1-based). */
  line: number;
  attrs: Record<string, string>;
  /** Text directly inside the record (`<config key="x">TEXT</config>`), decoded. */
  text: string;
  fields: MigrField[];
}

/** A document that is not a complete MIGR export; the message names line and element. */
export class MigrFormatError extends Error {
  readonly line: number;
  readonly element: string;
  /** What is wrong, without the line and element. */
  readonly reason: string;

  constructor(line: number, element: string, reason: string) {
    super(`line ${line}${element ? `, <${element}>` : ""}: ${reason}`);
    this.name = "MigrFormatError";
    this.line = line;
    this.element = element;
    this.reason = reason;
  }
}

/** Options of {@link readMigrRecords}. */
export interface MigrReaderOptions {
  /**
   * Most characters one element's text may have before the document is refused (a guard
   * against a broken file eating memory). Default 512 Mi: Citadel's message size limit
   * (c_maxmsglen) is far below that even after base64.
   */
  maxText?: number;
  /**
   * Deepest element nesting, the root being depth 1. Default 8: 902 nests three deep (root,
   * record, field); every open element costs memory, so a document of nothing but start
   * tags must not be able to pile them up.
   */
  maxDepth?: number;
  /**
   * Most characters outside elements: before the root (a reply line is allowed there),
   * between records, and in one tag. Default 64 Ki. A file of junk without `<` is refused
   * after this much, not buffered until memory runs out.
   */
  maxOutside?: number;
  /** Most child elements of one record. Default 100,000 (a 902 record has at most 17). */
  maxFields?: number;
}

interface Open {
  name: string;
  line: number;
  attrs: Record<string, string>;
  parts: string[];
  size: number;
  fields?: MigrField[];
}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ATTR = /\s*([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf("\n", from); i >= 0 && i < to; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

function decode(text: string, line: number, element: string): string {
  try {
    return unescapeXml(text);
  } catch (e) {
    throw new MigrFormatError(line, element, (e as Error).message);
  }
}

function parseAttrs(body: string, line: number, element: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  ATTR.lastIndex = 0;
  let at = 0;
  while (at < body.length) {
    if (/^\s*$/.test(body.slice(at))) break;
    ATTR.lastIndex = at;
    const m = ATTR.exec(body);
    if (!m) {
      throw new MigrFormatError(line, element, `cannot read the attributes ${quoteSnippet(body)}`);
    }
    attrs[m[1]] = decode(m[2] ?? m[3], line, element);
    at = ATTR.lastIndex;
  }
  return attrs;
}

/**
 * Reads a MIGR export from text chunks (any split) and yields its records in document order.
 * Throws {@link MigrFormatError} at the first thing that is not a well-formed, complete
 * export, naming the line and the element: a truncated document fails at its end, naming
 * the innermost element still open.
 *
 * @example
 * ```ts
 * const file = await Deno.open("export.xml");
 * for await (const rec of readMigrRecords(file.readable.pipeThrough(new TextDecoderStream()))) {
 *   if (rec.name === "user") console.log(rec.fields.find((f) => f.name === "u_fullname")?.text);
 * }
 * ```
 */
export async function* readMigrRecords(
  source: AsyncIterable<string>,
  opts: MigrReaderOptions = {},
): AsyncGenerator<MigrRecord> {
  const maxText = opts.maxText ?? 512 * 1024 * 1024;
  const maxDepth = opts.maxDepth ?? 8;
  const maxOutside = opts.maxOutside ?? 64 * 1024;
  const maxFields = opts.maxFields ?? 100_000;
  const stack: Open[] = [];
  let prolog = "";
  let buf = "";
  let line = 1;
  let sawRoot = false;

  const addText = (text: string) => {
    if (text === "") return;
    const top = stack[stack.length - 1];
    if (!top) {
      if (!sawRoot) {
        prolog += text;
        if (prolog.length > maxOutside) {
          throw new MigrFormatError(
            line,
            "",
            `more than ${maxOutside} characters before <${MIGR_ROOT}>: ` +
              `not a MIGR export (it starts ${quoteSnippet(prolog)})`,
          );
        }
      }
      return;
    }
    if (stack.length === 1) {
      if (/\S/.test(text)) {
        throw new MigrFormatError(
          line,
          MIGR_ROOT,
          `text outside any record: ${quoteSnippet(text)}`,
        );
      }
      return;
    }
    top.size += text.length;
    if (top.size > maxText) {
      throw new MigrFormatError(top.line, top.name, `text longer than ${maxText} characters`);
    }
    top.parts.push(text);
  };

  const checkProlog = (tagLine: number) => {
    const lines = prolog.split("\n").map((l) => l.trim()).filter((l) => l !== "");
    // sendcommand prints the reply line before the listing; nothing else may come first.
    if (lines.length > 1 || (lines.length === 1 && !/^\d{3}[ *]/.test(lines[0]))) {
      throw new MigrFormatError(tagLine, "", `text before the document: ${quoteSnippet(lines[0])}`);
    }
  };

  /** Handles one tag; returns a finished record, "end" after the root closes, or null. */
  const tag = (text: string, tagLine: number): MigrRecord | "end" | null => {
    if (text.startsWith("<?") || text.startsWith("<!--")) return null;
    if (text.startsWith("<!")) {
      throw new MigrFormatError(
        tagLine,
        stack.at(-1)?.name ?? "",
        `unexpected ${quoteSnippet(text)}`,
      );
    }
    if (text.startsWith("</")) {
      const raw = text.slice(2, -1).trim();
      // The element named in an error must not carry raw bytes to the terminal.
      const name = NAME.exec(raw)?.[0] === raw ? raw : quoteSnippet(raw);
      const top = stack.pop();
      if (!top) throw new MigrFormatError(tagLine, name, "closing tag without an open element");
      if (top.name !== name) {
        throw new MigrFormatError(
          tagLine,
          name,
          `</${name}> closes <${top.name}> (opened at line ${top.line})`,
        );
      }
      return close(top);
    }
    const inner = text.slice(1, text.endsWith("/>") ? -2 : -1);
    const m = NAME.exec(inner);
    if (!m) throw new MigrFormatError(tagLine, "", `not a tag: ${quoteSnippet(text)}`);
    const name = m[0];
    const attrs = parseAttrs(inner.slice(name.length), tagLine, name);
    if (!sawRoot) {
      if (name !== MIGR_ROOT) {
        throw new MigrFormatError(tagLine, name, `not a MIGR export (root is not <${MIGR_ROOT}>)`);
      }
      checkProlog(tagLine);
      sawRoot = true;
    }
    if (stack.length >= maxDepth) {
      throw new MigrFormatError(
        tagLine,
        name,
        `elements nested deeper than ${maxDepth} (inside <${stack.at(-1)!.name}> opened at ` +
          `line ${stack.at(-1)!.line}): not a MIGR export`,
      );
    }
    if (stack.length >= 2 && stack[1].fields!.length >= maxFields) {
      throw new MigrFormatError(
        tagLine,
        name,
        `more than ${maxFields} elements in <${stack[1].name}> (line ${stack[1].line})`,
      );
    }
    const open: Open = { name, line: tagLine, attrs, parts: [], size: 0 };
    if (stack.length === 1) open.fields = [];
    stack.push(open);
    return text.endsWith("/>") ? close(stack.pop()!) : null;
  };

  const close = (el: Open): MigrRecord | "end" | null => {
    const depth = stack.length; // the element's own depth, 0 = root
    if (depth === 0) return "end";
    const text = decode(el.parts.join(""), el.line, el.name);
    if (depth === 1) {
      return { name: el.name, line: el.line, attrs: el.attrs, text, fields: el.fields! };
    }
    const record = stack[1];
    // Almost every field sits right under its record: no path to build.
    const prefix = depth === 2 ? "" : stack.slice(2).map((o) => o.name + "/").join("");
    record.fields!.push({ name: prefix + el.name, text, line: el.line });
    return null;
  };

  for await (const chunk of source) {
    buf += chunk;
    let pos = 0;
    while (pos < buf.length) {
      const lt = buf.indexOf("<", pos);
      if (lt < 0) {
        // Entities are decoded on the joined text when the element ends, so a chunk
        // boundary inside one is harmless.
        addText(buf.slice(pos));
        line += countNewlines(buf, pos, buf.length);
        pos = buf.length;
        break;
      }
      if (lt > pos) {
        addText(buf.slice(pos, lt));
        line += countNewlines(buf, pos, lt);
      }
      const terminator = buf.startsWith("<!--", lt) ? "-->" : buf.startsWith("<?", lt) ? "?>" : ">";
      const end = buf.indexOf(terminator, lt + 1);
      if (end < 0) {
        if (buf.length - lt > maxOutside) {
          throw new MigrFormatError(
            line,
            stack.at(-1)?.name ?? "",
            `a tag longer than ${maxOutside} characters: ${quoteSnippet(buf.slice(lt))}`,
          );
        }
        pos = lt;
        break;
      }
      const stop = end + terminator.length;
      const tagText = buf.slice(lt, stop);
      const tagLine = line;
      line += countNewlines(buf, lt, stop);
      pos = stop;
      const done = tag(tagText, tagLine);
      if (done === "end") return;
      if (done) yield done;
    }
    buf = buf.slice(pos);
  }
  if (buf !== "") addText(buf);
  if (!sawRoot) {
    throw new MigrFormatError(line, "", `no <${MIGR_ROOT}> element: not a MIGR export`);
  }
  const open = stack[stack.length - 1];
  throw new MigrFormatError(
    line,
    open.name,
    `the export ends inside <${open.name}> (opened at line ${open.line}) before ` +
      `</${MIGR_ROOT}>: it is truncated`,
  );
}
