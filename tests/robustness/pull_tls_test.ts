import assert from "node:assert/strict";
import { fixtureStore, startServer } from "../_helpers.ts";
import { selfSigned } from "../_openssl.ts";
import { oneLine, pullCli } from "../_pull_cli.ts";

/** A self-signed certificate for 127.0.0.1, made as docs/operations.md says (or plainly). */
function selfSignedFor127(dir: string, name: string, documented: boolean) {
  const ext = documented
    ? [
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
    ]
    : [];
  return selfSigned(dir, name, "/CN=localhost", ...ext);
}

Deno.test("pull TLS: --ca trusts the documented self-signed certificate; a plain openssl req -x509 one, an untrusted one and a plain pull each get a line that names the fix", async () => {
  const src = await fixtureStore();
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-tls-" });
  const good = await selfSignedFor127(dir, "good", true);
  const plain = await selfSignedFor127(dir, "plain", false);
  const goodServer = startServer(src.store, { tls: { certFile: good.cert, keyFile: good.key } });
  const plainServer = startServer(src.store, {
    tls: { certFile: plain.cert, keyFile: plain.key },
  });
  const pull = (from: string, ...extra: string[]) => pullCli(from, `${dir}/dst`, extra);
  try {
    const ok = await pull(goodServer.address, "--tls", "--ca", good.cert);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^identical to /m);
    const verify = await pullCli(goodServer.address, `${dir}/dst`, ["--ca", good.cert], "verify");
    assert.equal(verify.code, 0, verify.stderr);

    const caCert = await pull(plainServer.address, "--tls", "--ca", plain.cert);
    assert.equal(caCert.code, 2);
    assert.match(oneLine(caCert.stderr), /a CA certificate .*basicConstraints=critical,CA:FALSE/);

    const untrusted = await pull(goodServer.address, "--tls");
    assert.equal(untrusted.code, 2);
    assert.match(oneLine(untrusted.stderr), /not trusted here; .*--ca FILE/);

    const started = performance.now();
    const plainText = await pull(goodServer.address);
    assert.equal(plainText.code, 2);
    assert.match(oneLine(plainText.stderr), /speaks TLS on this port; add --tls/);
    assert.ok(performance.now() - started < 20_000, "told within seconds, not after 30 s");
  } finally {
    await goodServer.server.stop(2);
    await plainServer.server.stop(2);
    await Deno.remove(src.dir, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});
