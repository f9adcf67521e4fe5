import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { runPull } from "../../src/client/run_pull.ts";
import { CitadelClient } from "../../src/client/connection.ts";
import { compareStores } from "../../src/tools/compare.ts";
import { fixtureStore, startServer, tempStore } from "../_helpers.ts";
import { openssl, selfSigned } from "../_openssl.ts";

/** A throw-away CA and a certificate for 127.0.0.1 signed by it, made with openssl. */
async function testCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const run = (...args: string[]) => openssl(dir, ...args);
  await selfSigned(dir, "ca", "/CN=ctdlsync test CA");
  await run(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    "key.pem",
    "-out",
    "req.csr",
  );
  await Deno.writeTextFile(`${dir}/ext.cnf`, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  await run(
    "x509",
    "-req",
    "-in",
    "req.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "ext.cnf",
    "-out",
    "cert.pem",
  );
  return { ca: `${dir}/ca.pem`, cert: `${dir}/cert.pem`, key: `${dir}/key.pem` };
}

Deno.test("TLS listener: a pull over TLS gives an identical store; plain TCP is refused", async () => {
  const src = await fixtureStore();
  const dst = await tempStore();
  const { ca, cert, key } = await testCertificates(src.dir);
  const { server, address } = startServer(src.store, { tls: { certFile: cert, keyFile: key } });
  try {
    const caCerts = [await Deno.readTextFile(ca)];
    const reports = await runPull(dst.store, {
      from: address,
      user: FIXTURE_USERS.sysop.name,
      password: FIXTURE_USERS.sysop.password,
      tls: true,
      caCerts,
    });
    assert.ok(reports.every((r) => r.verified));
    assert.deepEqual(await compareStores(src.store, dst.store), []);
    await assert.rejects(
      CitadelClient.connect(address, { tlsProbeSeconds: 1 }),
      /speaks TLS on this port; add --tls/,
      "a plain client is told the port speaks TLS",
    );
  } finally {
    await server.stop(2);
    await dst.cleanup();
    await Deno.remove(src.dir, { recursive: true });
  }
});
