import assert from "node:assert/strict";

/** Runs openssl in `dir` (TLS tests make their certificates with it); fails with its stderr. */
export async function openssl(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

/**
 * A self-signed certificate and its key, `<name>.pem` and `<name>.key` in `dir`, for
 * `subject`, with openssl's `-addext` options `ext`; returns their paths.
 */
export async function selfSigned(
  dir: string,
  name: string,
  subject: string,
  ...ext: string[]
): Promise<{ cert: string; key: string }> {
  await openssl(
    dir,
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    subject,
    ...ext,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
  );
  return { cert: `${dir}/${name}.pem`, key: `${dir}/${name}.key` };
}
