import { CitadelClient } from "../../src/client/connection.ts";
import { loginAs, waitFor as waitUntil } from "../_helpers.ts";

/** `waitFor` of tests/_helpers.ts with the question first; fails after `seconds`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  seconds = 20,
): Promise<void> {
  await waitUntil(check, seconds * 1000, what, 50);
}

/** Resolves with `p`, or fails after `seconds` (a hang is a failure, not a stuck test run). */
export async function within<T>(what: string, seconds: number, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${seconds} s`)),
      seconds * 1000,
    );
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a python3 program (real sockets with options Deno cannot set, e.g. SO_LINGER). */
export function python(program: string, ...args: string[]): Deno.ChildProcess {
  return new Deno.Command("python3", {
    args: ["-c", program, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Runs a python3 program to its end and fails on a non-zero exit. */
export async function pythonRun(program: string, ...args: string[]): Promise<string> {
  const out = await python(program, ...args).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`python3 failed: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

/** Python: connect, then reset the connection (SO_LINGER 0 and close), before or after reading. */
export const RESET = `
import socket, struct, sys
host, port, n, read = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
for _ in range(n):
    s = socket.create_connection((host, port))
    if read:
        s.recv(100)
        for line in sys.argv[5:]:
            s.sendall((line + "\\n").encode())
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
`;

/**
 * Python: a client that never reads. Small receive buffer, logs in, runs the commands
 * after `count` (one reply line each), sends `count` copies of `line`, prints "sent", then
 * waits to be killed.
 */
export const NEVER_READS = `
import socket, sys, time
host, port, user, pw, line, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((host, port))
f = s.makefile("rb")
f.readline()
for cmd in ["USER " + user, "PASS " + pw] + sys.argv[7:]:
    s.sendall((cmd + "\\n").encode())
    f.readline()
s.setblocking(True)
data = ((line + "\\n") * count).encode()
s.settimeout(5)
try:
    s.sendall(data)
except socket.timeout:
    pass
print("sent", flush=True)
time.sleep(600)
`;

/**
 * The arguments of `python(NEVER_READS, ...)`: `user` logs in at `address`, runs `first`,
 * then sends 400 `MSG0 <msgnum>|0` (a big message) and never reads the replies.
 */
export function neverReadsArgs(
  address: string,
  user: { name: string; password: string },
  msgnum: number | string,
  ...first: string[]
): [string, ...string[]] {
  return [
    NEVER_READS,
    "127.0.0.1",
    String(portOf(address)),
    user.name,
    user.password,
    `MSG0 ${msgnum}|0`,
    "400",
    ...first,
  ];
}

/** The port of `host:port`. */
export function portOf(address: string): number {
  return Number(address.split(":").pop());
}

/** True when a fresh client gets a greeting and a NOOP answer. */
export async function answers(address: string): Promise<boolean> {
  const c = await CitadelClient.connect(address);
  try {
    return (await c.command("NOOP")).code === 200;
  } finally {
    await c.quit().catch(() => {});
  }
}

/** Reads a raw connection until the server closes (or resets) it. */
export async function readUntilClosed(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(4096);
  while (true) {
    try {
      if (await conn.read(buf) === null) return;
    } catch (e) {
      if (e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BadResource) return;
      throw e;
    }
  }
}

/** Python: logs in, sends one command, prints "sent" and waits (to be killed with -9). */
export const SEND_AND_WAIT = `
import socket, sys, time
host, port, user, pw, line = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
s = socket.create_connection((host, port))
f = s.makefile("rb")
f.readline()
for cmd in ("USER " + user, "PASS " + pw):
    s.sendall((cmd + "\\n").encode())
    f.readline()
s.sendall((line + "\\n").encode())
print("sent", flush=True)
time.sleep(600)
`;

/** Starts a python client and resolves once it printed "sent". */
export async function pythonSent(program: string, ...args: string[]): Promise<Deno.ChildProcess> {
  const child = python(program, ...args);
  const reader = child.stdout.getReader();
  const { value } = await within("the python client", 30, reader.read());
  reader.releaseLock();
  if (!new TextDecoder().decode(value).includes("sent")) throw new Error("python client failed");
  return child;
}

/**
 * Posts a message of about 100 KB in the base room as `user` and returns its number, so a
 * client that asks for it many times and never reads fills every socket buffer.
 */
export async function bigMessage(
  address: string,
  user: { name: string; password: string },
): Promise<string> {
  const c = await loginAs(address, user);
  try {
    const r = await c.command("ENT0 1");
    if (r.code !== 400) throw new Error(`ENT0: ${r.line}`);
    for (let i = 0; i < 1600; i++) await c.send("y".repeat(60));
    await c.send("000");
    const nums = (await c.listing("MSGS LAST|1")).lines;
    return nums[0];
  } finally {
    await c.quit();
  }
}
