/** What every subcommand module exports: its usage text and its run function. */
export interface Command {
  /** One or more usage lines, without the leading `usage: ctdlsync`. */
  usage: string;
  /** What Ctrl-C prints (default "interrupted"); a pull says how to go on. */
  interrupted?: string;
  /** Runs the command with its own arguments; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}
