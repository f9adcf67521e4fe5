import { Code, CtdlError } from "../../errors.ts";
import { AxLevel } from "../../store/users.ts";
import { log } from "../../log.ts";
import { subVerbs } from "../dispatch.ts";
import type { Command, CommandTable } from "../command.ts";

const encoder = new TextEncoder();

/** 902 serves MIGR to internal programs only, and tells users so; ctdlsync to Aides too. */
function aideBeyondUsers(inner: Command): Command {
  return {
    access: "user",
    run(s, args, raw) {
      if (s.requireUser().axlevel < AxLevel.AIDE) {
        throw new CtdlError(Code.HIGHER_ACCESS_REQUIRED, "This is not a user-level command.");
      }
      return inner.run(s, args, raw);
    },
  };
}

/**
 * MIGR: Citadel's XML migration. `MIGR export` streams the whole store as the document a
 * Citadel 902 writes (the exporter comes in through the server options, see
 * src/app/migr_export.ts) as a `100` listing ended by `000`, so a
 * Citadel-style tool (or our own pull fallback) can move the data to another server.
 *
 * 902 serves MIGR only to internal programs on its admin socket; newer versions let an Aide
 * use it over TCP, which is what we do. Import over the wire is refused: it replaces the whole
 * store, which a running server cannot do under its sessions; `ctdlsync import` does it offline.
 */
export const migrateCommands: CommandTable = {
  MIGR: aideBeyondUsers(subVerbs("user", {
    import() {
      throw new CtdlError(
        Code.CMD_NOT_SUPPORTED,
        "MIGR import is not available over the wire; stop the server and run " +
          "'ctdlsync import --migr FILE --data DIR'",
      );
    },
    async export(s) {
      const exporter = s.server.options.migrExport;
      if (!exporter) {
        throw new CtdlError(Code.CMD_NOT_SUPPORTED, "MIGR export is not available here");
      }
      await s.reply(`${Code.LISTING_FOLLOWS} Exporting all Citadel databases.`);
      try {
        for await (const piece of exporter(s.server.store)) {
          await s.sendBytes(encoder.encode(piece));
        }
      } catch (e) {
        // The listing has begun, so no error line may follow; the reader sees a document
        // without its closing root tag and reports it as truncated.
        log.error(`session ${s.id}: MIGR export failed: ${(e as Error).message}`);
      }
      await s.reply("000");
    },
  }, () => "illegal command")),
};
