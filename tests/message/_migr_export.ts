/**
 * Reads the messages of the real Citadel 902 MIGR export in ../shared (not part of this repo,
 * so tests that need it skip where it is absent, and fail in CI).
 */
import { sharedFile } from "../_helpers.ts";

/** One `<message>` of the export: its number and the exact text between the msg_text tags. */
export interface ExportedMessage {
  msgnum: number;
  text: string;
}

const EXPORT = sharedFile("fixtures/real-citadel-902/small/migr-export.xml");

/**
 * Whether the tests that read the export run: false only where ../shared is absent outside
 * CI (sharedFile has said so); in CI they run and fail if the file is missing.
 */
export const haveExport: boolean = EXPORT !== null;

/** Every message of the export, in document order. */
export function readExportedMessages(): ExportedMessage[] {
  const xml = Deno.readTextFileSync(EXPORT!);
  const found: ExportedMessage[] = [];
  // Not an XML parser on purpose: the 902 export is not well-formed XML (a stray <progress>
  // follows the root) and msg_text must be taken verbatim, CRLFs included.
  const re = /<message>\s*<msg_msgnum>(\d+)<\/msg_msgnum>[\s\S]*?<msg_text>([\s\S]*?)<\/msg_text>/g;
  for (const m of xml.matchAll(re)) found.push({ msgnum: Number(m[1]), text: m[2] });
  return found;
}
