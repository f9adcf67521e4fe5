import { type Flags, need, readPassword } from "./args.ts";

/** The flags of commands that talk to a source (pull, verify). */
export const SOURCE_FLAGS = {
  from: "string",
  user: "string",
  "password-file": "string",
  data: "string",
  json: "boolean",
  tls: "boolean",
} as const;

/** How to reach a source, from its flags. */
export interface SourceOpts {
  from: string;
  user: string;
  password: string;
  tls: boolean;
}

/** Reads the source flags (and the password file). */
export async function sourceOpts(flags: Flags): Promise<SourceOpts> {
  return {
    from: need(flags, "from"),
    user: need(flags, "user"),
    password: await readPassword(need(flags, "password-file")),
    tls: flags.tls === true,
  };
}
