/**
 * `verify` against a server without SYNC (a stock Citadel): it compares what the client
 * protocol can show, copying nothing into the local store.
 *
 * - The databases: the server's MIGR export (over the wire, or `--migr-file`) is imported into
 *   a scratch store, and each table's count and digest is set against the local store's.
 *   Clear passwords in the export are hashed with the local record's salt, so a password
 *   that still matches gives the same record.
 * - The room files: RDIR lists each with the same size, type and description, and OPEN/READ
 *   gives the same bytes.
 * - The system messages: the local raw text, expanded as Citadel's MESG would, reads the same
 *   as MESG shows it to the user and logged out.
 *
 * The use table and the old-style room info texts are not in a stock Citadel's export and
 * no client command shows them: they are named as not compared.
 *
 * @module
 */

import { CitadelClient } from "../client/connection.ts";
import { hashPassword } from "../store/users.ts";
import { getUser } from "../store/users.ts";
import { Store } from "../store/store.ts";
import { TABLE_NAMES, type TableName } from "../store/tables.ts";
import { compareRoomFiles } from "./fallback_files.ts";
import { compareSystemMessages, macroValuesFor } from "./fallback_mesg.ts";
import { type FallbackOptions, NOT_CARRIED, pullMigr } from "./fallback_pull.ts";

/** What was compared, what could not be, and every difference found. */
export interface FallbackVerifyResult {
  compared: string[];
  notCompared: string[];
  differences: string[];
}

/** Tables that come from somewhere other than the MIGR export. */
const BY_CLIENT_COMMANDS: ReadonlySet<TableName> = new Set(["sysmsgs", "roomfiles"]);

/** Hashes `clear` as the local record of `fullname` is hashed (same salt and work factor). */
function sameSaltHasher(local: Store) {
  return async (fullname: string, clear: string): Promise<string> => {
    const stored = (await getUser(local, fullname))?.password ?? "";
    const [scheme, iterations, salt] = stored.split("$");
    if (scheme !== "pbkdf2-sha256" || !salt) return await hashPassword(clear);
    return await hashPassword(clear, Number(iterations), Uint8Array.fromBase64(salt));
  };
}

/** Compares `store` with the server in `opts.from`, which does not speak SYNC. */
export async function runFallbackVerify(
  store: Store,
  opts: FallbackOptions,
): Promise<FallbackVerifyResult> {
  const migrTables = TABLE_NAMES.filter((t) => !NOT_CARRIED.has(t) && !BY_CLIENT_COMMANDS.has(t));
  const from = opts.migrFile ? `the MIGR export in ${opts.migrFile}` : "the MIGR export";
  const result: FallbackVerifyResult = {
    compared: [
      `${migrTables.join(", ")} from ${from}`,
      "system messages by MESG",
      "room files by RDIR and OPEN/READ",
    ],
    notCompared: [...NOT_CARRIED],
    differences: [],
  };
  const client = await CitadelClient.connect(opts.from, opts);
  const scratchDir = await Deno.makeTempDir({ prefix: "ctdlsync-verify-" });
  try {
    const login = await client.login(opts.user, opts.password);
    const scratch = await Store.open(scratchDir, { create: true });
    try {
      await pullMigr(scratch, client, opts, { hashPassword: sameSaltHasher(store) });
      for (const t of migrTables) {
        const [theirs, mine] = [await scratch.stats(t), await store.stats(t)];
        if (theirs.count !== mine.count || theirs.digest !== mine.digest) {
          result.differences.push(
            `${t}: server ${theirs.count} records/${theirs.digest}, ` +
              `local ${mine.count}/${mine.digest}`,
          );
        }
      }
      opts.onProgress?.("room files");
      result.differences.push(...await compareRoomFiles(store, client, opts.onProgress));
      opts.onProgress?.("system messages");
      // The server's own config gives the node values its MESG uses.
      const values = await macroValuesFor(scratch, login);
      result.differences.push(...await compareSystemMessages(store, client, values));
    } finally {
      await scratch.close();
    }
    return result;
  } finally {
    opts.onProgress?.("");
    await client.quit();
    await Deno.remove(scratchDir, { recursive: true }).catch(() => {});
  }
}
