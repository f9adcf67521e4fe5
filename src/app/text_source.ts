/**
 * A MIGR document's text read from a file, in chunks as it is decoded. It keeps its path, so
 * an import can hand the file to its worker thread instead of the text.
 *
 * @module
 */

/** The text of a file, decoded as UTF-8 in chunks as it is read. */
export class FileText implements AsyncIterable<string> {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    const file = await Deno.open(this.path);
    yield* file.readable.pipeThrough(new TextDecoderStream());
  }
}

/** The text of the file at `path` (see {@link FileText}). */
export function fileText(path: string): FileText {
  return new FileText(path);
}
