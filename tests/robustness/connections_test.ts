/**
 * The server never falls over because of what one connection does (issue 12, items 1 and 8;
 * the robustness list of issue 11): resets before accept and mid-command, clients that
 * never read, handlers that throw, junk-only sessions, the session cap, idle TLS sessions
 * (silent TLS handshakes: tls_handshake_test.ts).
 */
import assert from "node:assert/strict";
import { FIXTURE_USERS } from "../../fixtures/small.ts";
import { configOp } from "../../src/store/control.ts";
import { roomKey } from "../../src/store/rooms.ts";
import {
  CitadelClient,
  fixtureStore,
  loginAs,
  startServer,
  withFixtureServer,
} from "../_helpers.ts";
import {
  answers,
  bigMessage,
  neverReadsArgs,
  portOf,
  python,
  pythonRun,
  readUntilClosed,
  RESET,
  waitFor,
  within,
} from "./_helpers.ts";
import { openssl } from "../_openssl.ts";

const { alice } = FIXTURE_USERS;

Deno.test("robustness: resets before accept and mid-command leave the server up", async () => {
  await withFixtureServer(async (address) => {
    const port = String(portOf(address));
    // Reset before the server has read anything (issue 12 item 1: 5 of 5 killed `serve`).
    await pythonRun(RESET, "127.0.0.1", port, "5", "0");
    assert.ok(await answers(address), "server answers after resets before accept");
    // Reset in the middle of a command that waits for text (ENT0's 400).
    await pythonRun(
      RESET,
      "127.0.0.1",
      port,
      "3",
      "1",
      `USER ${alice.name}`,
      `PASS ${alice.password}`,
      "ENT0 1",
      "half a line",
    );
    assert.ok(await answers(address), "server answers after resets mid-command");
  });
});

Deno.test("robustness: a client that never reads its replies leaves the server up", async () => {
  await withFixtureServer(async (address) => {
    const big = await bigMessage(address, alice);
    const child = python(...neverReadsArgs(address, alice, big));
    try {
      const reader = child.stdout.getReader();
      const { value } = await within("the python client", 30, reader.read());
      assert.match(new TextDecoder().decode(value), /sent/);
      reader.releaseLock();
      assert.ok(await within("a NOOP while a session is stuck", 10, answers(address)));
    } finally {
      child.kill("SIGKILL");
      await child.output();
    }
  });
});

Deno.test("robustness: a handler that throws gets 510 without a stack and the session stays", async () => {
  await withFixtureServer(async (address, store) => {
    // A damaged room record: decoding it throws inside GOTO's handler.
    await store.write([{
      table: "rooms",
      key: [roomKey("Broken")],
      value: new Uint8Array([1, 2, 3]),
    }]);
    const c = await loginAs(address, alice);
    const r = await c.command("GOTO Broken");
    assert.equal(r.code, 510, r.line);
    assert.doesNotMatch(r.text, /\bat \S+:\d+|Error:/, "no stack trace or error class on the wire");
    assert.equal((await c.command("NOOP")).code, 200, "the session goes on");
    await c.quit();
  });
});

Deno.test("robustness: a junk-only session is ended after 10 unrecognized commands, with a 5xx", async () => {
  await withFixtureServer(async (address) => {
    const c = await CitadelClient.connect(address);
    for (let i = 1; i < 10; i++) assert.equal((await c.command(`XQZ${i} junk`)).code, 530);
    assert.equal((await c.command("NOOP")).code, 200, "a good command resets the count");
    for (let i = 1; i < 10; i++) assert.equal((await c.command(`XQZ${i} junk`)).code, 530);
    const last = await c.command("XQZZ junk");
    assert.equal(last.code, 500, last.line);
    await assert.rejects(c.command("NOOP"), /closed|lost/);
  });
});

Deno.test("robustness: c_maxsessions is enforced with Citadel's 551 greeting", async () => {
  await withFixtureServer(
    async (address) => {
      const a = await CitadelClient.connect(address);
      const b = await CitadelClient.connect(address);
      await assert.rejects(
        CitadelClient.connect(address),
        /551 fixturebbs: Too many users are already online \(maximum is 2\)/,
      );
      await a.quit();
      await waitFor("a free slot", () => answers(address).catch(() => false));
      await b.quit();
    },
    async (store) => {
      await store.write([configOp("c_maxsessions", "2"), configOp("c_nodename", "fixturebbs")]);
    },
  );
});

Deno.test("robustness: c_sleeping sets the idle time-out when --idle is not given", async () => {
  await withFixtureServer(
    async (address) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: portOf(address) });
      try {
        await within("the idle session to be closed", 15, readUntilClosed(conn));
      } finally {
        conn.close();
      }
    },
    async (store) => {
      await store.write([configOp("c_sleeping", "1")]);
    },
  );
});

Deno.test("robustness: an idle TLS session is ended after the idle time", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ctdlsync-tls-" });
  const src = await fixtureStore();
  try {
    await openssl(
      dir,
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=x"],
      ...["-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=CA:FALSE"],
      ...["-keyout", "key.pem", "-out", "cert.pem"],
    );
    const { server, address } = startServer(src.store, {
      idleSeconds: 1,
      tls: { certFile: `${dir}/cert.pem`, keyFile: `${dir}/key.pem` },
    });
    const conn = await Deno.connectTls({
      hostname: "127.0.0.1",
      port: portOf(address),
      caCerts: [await Deno.readTextFile(`${dir}/cert.pem`)],
    });
    try {
      await waitFor("the TLS session to start", () => server.sessions.size === 1);
      await within("the idle TLS session to be closed", 15, readUntilClosed(conn));
      await waitFor("the idle TLS session to end", () => server.sessions.size === 0);
    } finally {
      conn.close();
      await server.stop(2);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(src.dir, { recursive: true });
  }
});
