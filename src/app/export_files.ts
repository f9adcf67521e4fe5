/**
 * What MIGR does not carry, written in Citadel's own layout beside the exported document, so
 * an admin copies the two trees into the new Citadel's home (as `ctdlmigrate` rsyncs them):
 *
 * - `messages/<name>`: each system message (hello, goodbye ...), raw, macros unexpanded;
 * - `files/<dirname>/<name>`: each file of a directory room, with its modification time, and
 *   `files/<dirname>/filedir`: one `name mimetype description` line per file, as UCLS writes.
 *
 * @module
 */

import { join } from "node:path";
import { listRoomFiles, readRoomFile } from "../store/room_files.ts";
import type { Store } from "../store/store.ts";

/** What {@link exportFiles} wrote. */
export interface FilesExport {
  messages: number;
  files: number;
  bytes: number;
}

/** A name safe as one path component: no separators, never `.` or `..`. */
function component(name: string): string {
  const safe = name.replace(/[/\\\0]/g, "_");
  return safe === "." || safe === ".." || safe === "" ? `_${safe}` : safe;
}

/** Writes `messages/` and `files/` under `root` from the store. */
export async function exportFiles(store: Store, root: string): Promise<FilesExport> {
  const out: FilesExport = { messages: 0, files: 0, bytes: 0 };
  const messages = join(root, "messages");
  for await (const rec of store.list("sysmsgs")) {
    await Deno.mkdir(messages, { recursive: true });
    await Deno.writeFile(join(messages, component(rec.key[0] as string)), rec.value);
    out.messages++;
    out.bytes += rec.value.length;
  }
  const dirs = new Set<string>();
  for await (const key of store.keys("roomfiles")) dirs.add(key[0] as string);
  for (const dirname of dirs) {
    const dir = join(root, "files", component(dirname));
    await Deno.mkdir(dir, { recursive: true });
    let filedir = "";
    for (const f of await listRoomFiles(store, dirname)) {
      const path = join(dir, component(f.name));
      const data = await readRoomFile(store, dirname, f.name, 0, f.size) ?? new Uint8Array(0);
      await Deno.writeFile(path, data);
      if (f.mtime > 0) await Deno.utime(path, f.mtime, f.mtime);
      // Citadel splits filedir lines at spaces: the name and type cannot hold one.
      filedir += `${component(f.name)} ${f.mimetype || "application/octet-stream"} ` +
        `${f.description.replace(/[\r\n]+/g, " ")}\n`;
      out.files++;
      out.bytes += data.length;
    }
    await Deno.writeTextFile(join(dir, "filedir"), filedir);
  }
  return out;
}
