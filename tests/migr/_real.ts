/**
 * The real Citadel 902 data in ../shared (see its README): paths, the manifest, and a store
 * imported from the export. Tests that need it skip with a message where it is absent.
 */
import { fileText, importMigr } from "../../src/app/migr_import.ts";
import { roomFileOp } from "../../src/store/room_files.ts";
import type { Store } from "../../src/store/store.ts";
import { systemMessageOp } from "../../src/store/system_messages.ts";
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

/** One room file as index.json describes it. */
export interface IndexFile {
  filename: string;
  size: number;
  mimetype: string;
  description: string;
  open_reply: string;
  sha256: string;
  path: string;
}

/** index.json: the system messages and room files fetched from the real server. */
export interface Index {
  system_messages: Record<string, { raw_file: string; mesg_file: string }>;
  room_files: { dirname: string; files: IndexFile[] }[];
}

/** Reads index.json. */
export const index = (): Index => JSON.parse(Deno.readTextFileSync(`${FILES}/index.json`));
/** index.json paths are relative to the data set folder, one above files/. */
export const shared = (rel: string) => `${FILES}/../${rel}`;

/**
 * The whole real system as a stock Citadel holds it: the MIGR import, plus the raw system
 * messages and the File Library's files (with RDIR's descriptions) that MIGR does not carry.
 */
export async function loadRealSystem(store: Store): Promise<void> {
  await importReal(store);
  const idx = index();
  const ops = Object.entries(idx.system_messages).map(([name, m]) =>
    systemMessageOp(name, Deno.readFileSync(shared(m.raw_file)))
  );
  for (const dir of idx.room_files) {
    for (const f of dir.files) {
      const mtime = Number(f.open_reply.split(" ")[1].split("|")[1]);
      ops.push(roomFileOp(dir.dirname, f.filename, {
        mimetype: f.mimetype,
        description: f.description.replace(/^ /, ""),
        mtime,
      }, Deno.readFileSync(shared(f.path))));
    }
  }
  await store.write(ops);
}
