/**
 * The shape of a `modswap` command. Each command lives in its own file
 * (`cmd-NAME.ts`) and is listed in `commands.ts`.
 */
import type { FlagSpecs } from './args.ts';
export interface CliIO {
  out(text: string): void;
  /**
   * Write `text` to standard output as it is, at once (no newline added):
   * for output streamed in chunks (`cat` in `modswap shell`). Throws when
   * the reader has gone (EPIPE). Without it, such output is collected.
   */
  write?(text: string): void;
  err(text: string): void;
  /** Read all of standard input (for scripts piped in). */
  readStdin(): Promise<string>;
  /** Standard output is a terminal (progress bars only then). */
  readonly isTTY: boolean;
  /**
   * Standard input is a terminal: the streams for an interactive session
   * (`modswap shell` without --script). Absent when input is a pipe or file.
   */
  readonly terminal?: { readonly input: NodeJS.ReadableStream; readonly output: NodeJS.WritableStream } | undefined;
}

export interface Command {
  name: string;
  summary: string;
  /** The flags it parses (parseFlags); tests/docs/commands.test.ts checks every documented command line against them. */
  flags: FlagSpecs;
  /** Full help text (usage line, description, flags). */
  help(): string;
  /** Returns the exit status. Throws UsageError for bad input (exit 2). */
  run(argv: string[], io: CliIO): Promise<number> | number;
}
