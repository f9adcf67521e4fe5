/**
 * The real Citadel 902 data in ../shared (see its README): paths, the manifest, and a store
 * imported from the export. Tests that need it skip with a message where it is absent.
 */
import { fileText, importMigr } from "../../src/migr/import.ts";
import type { Store } from "../../src/store/store.ts";
import { sharedFile } from "../_helpers.ts";

const BASE = "fixtures/real-citadel-902/small";

/** Path of the real export, or null (skip). */
export const EXPORT = sharedFile(`${BASE}/migr-export.xml`);
/** Path of the manifest, or null (skip). */
export const MANIFEST = sharedFile(`${BASE}/manifest.json`);
/** Path of the files folder (system messages, room files, index.json), or null (skip). */
export const FILES = sharedFile(`${BASE}/files/index.json`)?.replace(/\/index\.json$/, "") ?? null;

/** The parts of manifest.json the tests read. */
export interface Manifest {
  users: { name: string; password: string; flags: number; axlevel: number; usernum: number }[];
  admin: { name: string; password: string; usernum: number };
  harvest: {
    migr_export: {
      xml: { element_counts: Record<string, number>; room_message_pointers: number };
    };
  };
}

/** Reads manifest.json. */
export function manifest(): Manifest {
  return JSON.parse(Deno.readTextFileSync(MANIFEST!));
}

/** Imports the real export into `store` (which should be empty). */
export async function importReal(store: Store) {
  return await importMigr(store, fileText(EXPORT!));
}

/** The exact text between `<msg_text>` and `</msg_text>` of message `msgnum` in the export. */
export function exportedMessageText(msgnum: number): string {
  const xml = Deno.readTextFileSync(EXPORT!);
  const at = xml.indexOf(`<msg_msgnum>${msgnum}</msg_msgnum>`);
  const start = xml.indexOf("<msg_text>", at) + "<msg_text>".length;
  return xml.slice(start, xml.indexOf("</msg_text>", start));
}

/** The numbers in `<FRmsglist>` of room `name` in the export. */
export function exportedMsglist(name: string): number[] {
  const xml = Deno.readTextFileSync(EXPORT!);
  const at = xml.indexOf(`<room_messages><FRname>${name}</FRname>`);
  const start = xml.indexOf("<FRmsglist>", at) + "<FRmsglist>".length;
  return xml.slice(start, xml.indexOf("</FRmsglist>", start)).split("\n").filter(Boolean)
    .map(Number);
}
