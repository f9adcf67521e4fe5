import assert from "node:assert/strict";
import { spawnServe } from "../../src/tools/serve_process.ts";
import { runCli } from "../_helpers.ts";
import { openssl } from "../_openssl.ts";
import { oneLine, pullCli } from "../_pull_cli.ts";
import { pythonRun, RESET, waitFor } from "./_helpers.ts";

/** Python: sends a plain-text command to the TLS port and reads until the server closes. */
const PLAIN_TEXT = `
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"NOOP\\r\\n" * 100)
while s.recv(4096):
    pass
print("closed")
`;

/** Open sockets of a process, counted from /proc/<pid>/fd (Linux). */
function socketsOf(pid: number): number {
  let n = 0;
  for (const fd of Deno.readDirSync(`/proc/${pid}/fd`)) {
    try {
      if (Deno.readLinkSync(`/proc/${pid}/fd/${fd.name}`).startsWith("socket:")) n++;
    } catch {
      // closed while we looked
    }
  }
  return n;
}

/** Reads until the server closes the connection; true once it has. */
async function closedByServer(conn: Deno.Conn): Promise<boolean> {
  try {
    while (await conn.read(new Uint8Array(256)) !== null) {
      // a silent client gets nothing before the close
    }
  } catch {
    // a reset is a close too
  }
  return true;
}

Deno.test("robustness: 50 TLS connections that never send a ClientHello have their sockets released after the handshake limit; TLS pulls work afterwards", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-tls-hs-" });
  await openssl(
    dir,
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"],
    ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
    ...["-addext", "basicConstraints=critical,CA:FALSE", "-keyout", "key.pem", "-out", "cert.pem"],
  );
  const seeded = await runCli("seed", "--data", `${dir}/src`, "--fixture", "small");
  assert.equal(seeded.code, 0, seeded.stderr);
  // --idle 2 makes the handshake limit 2 s (the idle time, at most 30 s).
  const server = await spawnServe(`${dir}/src`, {
    args: ["--tls-cert", `${dir}/cert.pem`, "--tls-key", `${dir}/key.pem`, "--idle", "2"],
  });
  const pid = server.child.pid;
  const port = Number(server.address.split(":")[1]);
  const silent: Deno.Conn[] = [];
  try {
    const baseline = socketsOf(pid);
    for (let i = 0; i < 50; i++) silent.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    // Accepted sockets show up in the server's descriptor table; the clients stay open.
    await waitFor(
      "the server to accept the 50 silent connections",
      () => socketsOf(pid) >= baseline + 50,
    );
    await waitFor(
      "the server's sockets to fall back to its baseline",
      () => socketsOf(pid) <= baseline + 2,
      20,
    );
    // The clients see the close too (before the fix they waited forever).
    assert.ok((await Promise.all(silent.map(closedByServer))).every(Boolean));
    // Resets before and during the handshake, and plain text instead of a ClientHello,
    // fail that one handshake only.
    await pythonRun(RESET, "127.0.0.1", String(port), "5", "0");
    assert.equal((await pythonRun(PLAIN_TEXT, "127.0.0.1", String(port))).trim(), "closed");
    await waitFor("the server's sockets to fall back again", () => socketsOf(pid) <= baseline + 2);

    const pulled = await pullCli(server.address, `${dir}/dst`, [
      "--tls",
      "--ca",
      `${dir}/cert.pem`,
    ]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, /^identical to /m);
  } finally {
    for (const c of silent) {
      try {
        c.close();
      } catch {
        // closed by the test already
      }
    }
    assert.equal((await server.stop()).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("robustness: serve refuses a certificate or key that is not one, or a key of another certificate, in one line with exit 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-tls-bad-" });
  try {
    const cert = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=x"];
    await openssl(dir, ...cert, "-keyout", "key.pem", "-out", "cert.pem");
    await openssl(dir, ...cert, "-keyout", "other.key", "-out", "other.pem");
    await Deno.writeTextFile(`${dir}/junk.pem`, "not a PEM file\n");
    const serve = (certFile: string, keyFile: string) =>
      runCli(
        ...["serve", "--data", `${dir}/data`, "--listen", "127.0.0.1:0"],
        ...["--tls-cert", `${dir}/${certFile}`, "--tls-key", `${dir}/${keyFile}`],
      );
    for (
      const [certFile, keyFile, why] of [
        ["junk.pem", "key.pem", /no PEM certificate in .*junk\.pem$/],
        ["cert.pem", "junk.pem", /no PEM private key in .*junk\.pem$/],
        ["cert.pem", "other.key", /the key in .*other\.key is not the certificate's/],
      ] as const
    ) {
      const out = await serve(certFile, keyFile);
      assert.equal(out.code, 2, out.stderr);
      assert.match(oneLine(out.stderr), why);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
