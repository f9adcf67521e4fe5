/**
 * Reads the messages of the real Citadel 902 MIGR export in ../shared (not part of this repo,
 * so tests that need it are skipped when it is absent).
 */

/** One `<message>` of the export: its number and the exact text between the msg_text tags. */
export interface ExportedMessage {
  msgnum: number;
  text: string;
}

const EXPORT_URL = new URL(
  "../../../shared/fixtures/real-citadel-902/small/migr-export.xml",
  import.meta.url,
);

function exportExists(): boolean {
  try {
    return Deno.statSync(EXPORT_URL).isFile;
  } catch {
    return false;
  }
}

/** Whether the export is present; warns once when it is not, so a skip is never silent. */
export const haveExport: boolean = exportExists();
if (!haveExport) console.warn("skipping: ../shared fixtures absent");

/** Every message of the export, in document order. */
export function readExportedMessages(): ExportedMessage[] {
  const xml = Deno.readTextFileSync(EXPORT_URL);
  const found: ExportedMessage[] = [];
  // Not an XML parser on purpose: the 902 export is not well-formed XML (a stray <progress>
  // follows the root) and msg_text must be taken verbatim, CRLFs included.
  const re = /<message>\s*<msg_msgnum>(\d+)<\/msg_msgnum>[\s\S]*?<msg_text>([\s\S]*?)<\/msg_text>/g;
  for (const m of xml.matchAll(re)) found.push({ msgnum: Number(m[1]), text: m[2] });
  return found;
}
