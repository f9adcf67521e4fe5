import { runDemo } from "../tools/demo.ts";
import { int, parseFlags } from "./args.ts";
import type { Command } from "./command.ts";

/** `ctdlsync demo`: a source, a pull and the proof, end to end on this machine. */
export const demo: Command = {
  usage: `demo [--messages N] [--keep]`,
  async run(args) {
    const f = parseFlags(args, { messages: "string", keep: "boolean" });
    return await runDemo({
      messages: f.messages === undefined ? undefined : int(f, "messages", 0),
      keep: f.keep === true,
    });
  },
};
