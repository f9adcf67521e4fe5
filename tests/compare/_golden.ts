/**
 * Reading and replaying a golden reply file of the real Citadel 902 (replies-all-verbs.txt):
 * its steps, its masking tokens, and a raw line reader that keeps the CR that MSG2 sends.
 */

/** One step of the scenario, in file order. */
export type Step =
  | { kind: "session"; n: number; fresh: boolean; at: number }
  | { kind: "client"; line: string; at: number; binary?: number; expect: Expected[] }
  | { kind: "server"; line: string; at: number };

/** One server line the golden file expects, with its line number there. */
export interface Expected {
  line: string;
  at: number;
}

/**
 * Splits the file into steps. Server lines that follow a client line are its expected
 * reply; server lines right after a session switch (a greeting, an unsolicited `902`) stay
 * server steps.
 */
export function parseGolden(text: string): Step[] {
  const steps: Step[] = [];
  let last: Extract<Step, { kind: "client" }> | null = null;
  text.split("\n").forEach((raw, i) => {
    const at = i + 1;
    const sw = /^# ---- session (\d+): .*?(, continued)? ----$/.exec(raw);
    if (sw) {
      steps.push({ kind: "session", n: Number(sw[1]), fresh: !sw[2], at });
      last = null;
    } else if (raw.startsWith("> ")) {
      const bin = /^\[(\d+) bytes binary\]$/.exec(raw.slice(2));
      last = { kind: "client", line: raw.slice(2), at, expect: [] };
      if (bin) last.binary = Number(bin[1]);
      steps.push(last);
    } else if (raw.startsWith("< ") || raw === "<") {
      const line = raw.slice(2);
      if (last) last.expect.push({ line, at });
      else steps.push({ kind: "server", line, at });
    }
  });
  return steps;
}

/** Values bound so far: message numbers, session ids, message-id time halves. */
export class Bindings {
  readonly msg = new Map<number, string>();
  readonly sid = new Map<number, string>();
  /** `{{TIMEHEX}}` seen next to `{{MSGn:HEX}}`, per n: the message id's first half. */
  readonly timehex = new Map<number, string>();

  /** A client line with its tokens replaced by the values the server gave. */
  fill(line: string): string {
    return line
      .replace(/\{\{TIMEHEX\}\}-\{\{MSG(\d+):HEX\}\}/g, (_, n) => {
        const num = this.#need(this.msg, Number(n), "MSG");
        return `${this.timehex.get(Number(n)) ?? "00000000"}-${
          Number(num).toString(16).toUpperCase().padStart(8, "0")
        }`;
      })
      .replace(/\{\{MSG(\d+)\}\}/g, (_, n) => this.#need(this.msg, Number(n), "MSG"))
      .replace(/\{\{SID(\d+)\}\}/g, (_, n) => this.#need(this.sid, Number(n), "SID"));
  }

  /** Tokens a client line needed that no server line had bound (a earlier mismatch). */
  readonly unbound: string[] = [];

  #need(map: Map<number, string>, n: number, what: string): string {
    const v = map.get(n);
    if (v !== undefined) return v;
    // An earlier reply did not match, so the token has no value: send one that names no
    // message, and let the reply that follows count as the mismatch it is.
    this.unbound.push(`{{${what}${n}}}`);
    return "0";
  }

  /**
   * True if `got` matches the expected line `want` (tokens as wildcards); binds the tokens
   * seen for the first time, and checks the ones already bound.
   */
  match(want: string, got: string): boolean {
    const names: string[] = [];
    const src = want.split(/(\{\{[^}]+\}\})/).map((part) => {
      const t = /^\{\{([^}]+)\}\}$/.exec(part);
      if (!t) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const tok = t[1];
      if (tok === "TIME") return "\\d{10}";
      if (tok === "TIMEHEX" || /^MSG\d+:HEX$/.test(tok)) {
        names.push(tok);
        return "([0-9A-F]{8})";
      }
      if (tok === "timehex") return "[0-9a-f]{8}";
      if (tok === "DATE" || tok === "HOME") return ".*?";
      names.push(tok);
      return "(\\d+)";
    }).join("");
    const m = new RegExp(`^${src}$`).exec(got);
    if (!m) return false;
    const fresh: [Map<number, string>, number, string][] = [];
    let lastTimehex = "";
    for (const [i, tok] of names.entries()) {
      const v = m[i + 1];
      if (tok === "TIMEHEX") {
        lastTimehex = v;
        continue;
      }
      const hex = /^MSG(\d+):HEX$/.exec(tok);
      if (hex) {
        const n = Number(hex[1]);
        const num = this.msg.get(n);
        if (num !== undefined && parseInt(v, 16) !== Number(num)) return false;
        if (lastTimehex) this.timehex.set(n, lastTimehex);
        continue;
      }
      const [, kind, n] = /^(MSG|SID)(\d+)$/.exec(tok)!;
      const map = kind === "MSG" ? this.msg : this.sid;
      const bound = map.get(Number(n));
      if (bound !== undefined && bound !== v) return false;
      // The same value may not stand for two different tokens.
      if (bound === undefined) {
        if ([...map.values()].includes(v)) return false;
        fresh.push([map, Number(n), v]);
      }
    }
    for (const [map, n, v] of fresh) map.set(n, v);
    return true;
  }
}

/** Reads LF-terminated lines keeping any CR, and exact byte counts, with a deadlock guard. */
export class RawReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buf = new Uint8Array(0);
  #decoder = new TextDecoder();
  #pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  async #fill(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no reply within 10 s")), 10_000);
    });
    try {
      // A read that timed out stays pending: the next fill waits on it, so no bytes are lost.
      this.#pending ??= this.#reader.read();
      const r = await Promise.race([this.#pending, timeout]);
      this.#pending = null;
      if (r.done) throw new Error("server closed the connection");
      const joined = new Uint8Array(this.#buf.length + r.value.length);
      joined.set(this.#buf);
      joined.set(r.value, this.#buf.length);
      this.#buf = joined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The next line without its LF (a CR before it is kept). */
  async line(): Promise<string> {
    while (true) {
      const lf = this.#buf.indexOf(0x0a);
      if (lf >= 0) {
        const line = this.#decoder.decode(this.#buf.subarray(0, lf));
        this.#buf = this.#buf.slice(lf + 1);
        return line;
      }
      await this.#fill();
    }
  }

  /** Exactly `n` bytes. */
  async bytes(n: number): Promise<Uint8Array> {
    while (this.#buf.length < n) await this.#fill();
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }

  /** Releases the stream. */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}
