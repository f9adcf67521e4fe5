import { Code, CtdlError } from "../../errors.ts";
import type { Command, CommandTable } from "../command.ts";

/**
 * An Aide verb 902 knows but ctdlsync does not carry out: others are refused as 902 refuses
 * them, and an Aide is told plainly that ctdlsync does not support it (docs/interop.md).
 */
function aideOnlyUnsupported(verb: string): Command {
  return {
    access: "aide",
    run() {
      throw new CtdlError(Code.CMD_NOT_SUPPORTED, `${verb} is not supported by ctdlsync.`);
    },
  };
}

/** UCHG and TDAP: known to 902, refused here (see above). */
export const unsupportedCommands: CommandTable = {
  UCHG: aideOnlyUnsupported("UCHG"),
  TDAP: aideOnlyUnsupported("TDAP"),
};
