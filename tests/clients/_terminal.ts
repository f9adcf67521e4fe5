/**
 * The real Citadel text client (Debian citadel-client 916) in a tmux terminal of its own,
 * for end-to-end tests: type keys, read the screen, as a person would.
 */
import { waitFor } from "../_helpers.ts";

/** In CI the client tests must run, never skip. */
export const CI = Deno.env.get("CI") === "true";
const TOOLS = ["citadel", "tmux", "timeout"];

function found(tool: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${tool}`], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** The tools the client tests need that this machine lacks. */
export const missing = TOOLS.filter((t) => !found(t));
if (missing.length > 0 && !CI) {
  console.warn(
    `skipping the real text client test: ${missing.join(", ")} not installed ` +
      "(Debian: apt-get install citadel-client tmux)",
  );
}

/** One tmux server of our own (its own socket), holding the client's terminal. */
export class Terminal {
  readonly socket = `ctdlsync-tc-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;

  async tmux(...args: string[]): Promise<string> {
    const out = await new Deno.Command("tmux", { args: ["-L", this.socket, ...args] }).output();
    if (!out.success) {
      throw new Error(`tmux ${args[0]}: ${new TextDecoder().decode(out.stderr).trim()}`);
    }
    return new TextDecoder().decode(out.stdout);
  }

  /** Starts `command` in a 120x40 terminal; the pane stays after it exits (for its status). */
  async start(command: string): Promise<void> {
    await this.tmux(
      "new-session",
      "-d",
      "-x",
      "120",
      "-y",
      "40",
      command,
      ";",
      "set-option",
      "-g",
      "remain-on-exit",
      "on",
    );
  }

  /** Every line the terminal has shown, scrollback included. */
  async lines(): Promise<string[]> {
    return (await this.tmux("capture-pane", "-p", "-J", "-S", "-")).replace(/\n+$/, "")
      .split("\n");
  }

  /** Where the next step starts reading (the current last line may still be extended). */
  async mark(): Promise<number> {
    return Math.max(0, (await this.lines()).length - 1);
  }

  /** Types keys (tmux key names: "Enter", or literal text). */
  async keys(...keys: string[]): Promise<void> {
    await this.tmux("send-keys", ...keys);
  }

  /** Polls the screen from line `from` until `pattern` shows; returns that text. */
  async waitFor(pattern: RegExp, from = 0, ms = 8000): Promise<string> {
    let text = "";
    try {
      return await waitFor(
        async () => {
          text = (await this.lines()).slice(from).join("\n");
          return pattern.test(text) && text;
        },
        ms,
        `${pattern}`,
        100,
      );
    } catch {
      throw new Error(`screen never showed ${pattern}; it shows:\n${text}`);
    }
  }

  /** `.g <room>`: goes to a room and waits for its prompt (`>` rooms, `]` directories). */
  async goto(room: string, prompt = ">"): Promise<void> {
    const mark = await this.mark();
    await this.keys(".", "g");
    await this.waitFor(/Goto:/, mark);
    await this.keys(room, "Enter");
    await this.waitFor(new RegExp(`^${escapeRegExp(room + prompt)} *$`, "m"), mark);
  }

  async kill(): Promise<void> {
    await this.tmux("kill-server").catch(() => {});
  }
}

/** A text client session: its terminal, and its exit status once it has ended. */
export interface TextClient {
  term: Terminal;
  /** The client's exit status (124: timeout, 139: crash), or null if it did not end. */
  exitStatus(): Promise<string | null>;
  close(): Promise<void>;
}

/**
 * Starts `citadel 127.0.0.1 <port>` logged in as `user` (username=/password= in a
 * temporary ~/.citadelrc give an unattended login; the packaged defaults keep the cmd=
 * key bindings).
 */
export async function startTextClient(
  port: number,
  user: { name: string; password: string },
): Promise<TextClient> {
  const home = await Deno.makeTempDir({ prefix: "ctdlsync-textclient-" });
  const packaged = await Deno.readTextFile("/etc/citadel/citadel.rc").catch(() => "");
  const rc = [
    `username=${user.name}`,
    `password=${user.password}`,
    ...packaged.split("\n").filter((l) => !/^(username|password)=/.test(l)),
  ];
  await Deno.writeTextFile(`${home}/.citadelrc`, rc.join("\n") + "\n");
  const term = new Terminal();
  // The shell notes the client's exit status in a file (tmux's own is not reliable).
  await term.start(
    `HOME=${home} timeout --foreground 60 citadel 127.0.0.1 ${port}; echo $? > ${home}/exit-status`,
  );
  return {
    term,
    async exitStatus() {
      const read = () => Deno.readTextFile(`${home}/exit-status`).catch(() => "");
      return await waitFor(read, 5000, "the client's exit status", 100).then(
        (status) => status.trim(),
        () => null,
      );
    },
    async close() {
      await term.kill();
      await Deno.remove(home, { recursive: true }).catch(() => {});
    },
  };
}

/** Text made safe to match literally inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
