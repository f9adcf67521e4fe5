import { DEFAULT_TIMEOUT_SECONDS } from "../client/connection.ts";
import { type Flags, int, need, readPassword, UsageError } from "./args.ts";

/** The flags of commands that talk to a source (pull, verify). */
export const SOURCE_FLAGS = {
  from: "string",
  user: "string",
  "password-file": "string",
  data: "string",
  json: "boolean",
  tls: "boolean",
  ca: "string",
  timeout: "string",
} as const;

/** How to reach a source, from its flags. */
export interface SourceOpts {
  from: string;
  user: string;
  password: string;
  tls: boolean;
  /** PEM texts to trust (`--ca FILE`). */
  caCerts?: string[];
  /** Seconds a read may wait (`--timeout`). */
  timeoutSeconds: number;
}

async function readCa(file: string): Promise<string> {
  try {
    const pem = await Deno.readTextFile(file);
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no PEM certificate in it");
    return pem;
  } catch (e) {
    throw new UsageError(`cannot read CA file ${file}: ${(e as Error).message}`);
  }
}

/** Reads the source flags (and the password file). */
export async function sourceOpts(flags: Flags): Promise<SourceOpts> {
  return {
    from: need(flags, "from"),
    user: need(flags, "user"),
    password: await readPassword(need(flags, "password-file")),
    // A CA to trust means TLS.
    tls: flags.tls === true || typeof flags.ca === "string",
    caCerts: typeof flags.ca === "string" ? [await readCa(flags.ca)] : undefined,
    timeoutSeconds: int(flags, "timeout", DEFAULT_TIMEOUT_SECONDS),
  };
}
