import config from "../deno.json" with { type: "json" };

/** ctdlsync's version: `"version"` in deno.json is the one place it is set. */
export const VERSION: string = config.version;
