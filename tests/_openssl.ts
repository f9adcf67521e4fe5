import assert from "node:assert/strict";

/** Runs openssl in `dir` (TLS tests make their certificates with it); fails with its stderr. */
export async function openssl(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}
