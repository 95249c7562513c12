/**
 * `modswap shell` at a terminal: a prompt, line editing, history and
 * command-name completion (node's readline), each line run as it is typed.
 *
 * The session is the same one a script runs (session.ts): one simulated
 * thread `sh` reads lines from a LineSource. Here the source pauses the
 * simulation (`pauseRun`) whenever the thread wants a line, the host awaits
 * one from readline, and the run goes on exactly where it stopped. No
 * simulated time passes while the user types, and background jobs (`bg`)
 * advance only while commands run, as in a script: a session typed line by
 * line prints what the same lines as a script print.
 *
 * Ctrl-C drops the line being typed; Ctrl-D on an empty line (end of input)
 * or `exit` ends the session. Lines typed while a command runs are kept
 * and run in turn.
 */
import { createInterface, type Interface } from 'node:readline';
import type { System } from '../system/boot.ts';
import { pauseRun } from '../sim/effects.ts';
import type { Task } from '../vfs/task.ts';
import { startSession, type LineSource, type ShellResult } from './session.ts';
import { shellCommands } from './table.ts';

/** The terminal a session talks to. */
export interface Terminal {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
}

export interface InteractiveOptions {
  readonly system: System;
  readonly task: Task;
  readonly terminal: Terminal;
  readonly onResult: (r: ShellResult) => void;
  readonly state: Map<string, unknown>;
  readonly emit?: ((chunk: string) => void) | undefined;
  /** Host work a line needs before it runs (loading an update package); may reject to end the session. */
  readonly beforeLine?: ((line: string) => Promise<void>) | undefined;
  /** Lines of history kept (default 1000). */
  readonly historySize?: number;
}

/** Complete the command word (the first word of the line). */
function completer(line: string): [string[], string] {
  if (/\s/.test(line.trimStart())) return [[], line];
  const word = line.trimStart();
  const hits = shellCommands()
    .map((c) => c.name)
    .filter((n) => n.startsWith(word));
  return [hits.map((h) => h + ' '), word];
}

/** Lines as readline delivers them, awaited one at a time; null once input has ended. */
class LineQueue {
  private readonly lines: (string | null)[] = [];
  private waiter: ((line: string | null) => void) | null = null;

  push(line: string | null): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(line);
    } else this.lines.push(line);
  }

  get empty(): boolean {
    return this.lines.length === 0;
  }

  next(): Promise<string | null> {
    if (this.lines.length > 0) return Promise.resolve(this.lines.shift()!);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

/** The prompt: `#` for root, `$` for anyone else, as sh shows it. */
function promptFor(task: Task): string {
  return task.cred.uid === 0 ? 'modswap# ' : 'modswap$ ';
}

/** Run the session until `exit` or end of input; resolves every command's result, in order. */
export async function runInteractive(o: InteractiveOptions): Promise<ShellResult[]> {
  const queue = new LineQueue();
  const rl: Interface = createInterface({
    input: o.terminal.input,
    output: o.terminal.output,
    terminal: true,
    historySize: o.historySize ?? 1000,
    removeHistoryDuplicates: true,
    completer,
  });
  let closing = false;
  rl.on('line', (line) => queue.push(line));
  rl.on('close', () => {
    if (!closing) o.terminal.output.write('\n'); // end of input: leave the prompt's line
    queue.push(null);
  });
  rl.on('SIGINT', () => {
    // drop the line being typed, as a shell does
    rl.write(null, { ctrl: true, name: 'e' });
    rl.write(null, { ctrl: true, name: 'u' });
    o.terminal.output.write('^C\n');
    rl.prompt();
  });

  // The line handed to the shell thread at its next resumption.
  let pending: string | null = null;
  const source: LineSource = function* () {
    yield* pauseRun();
    return pending;
  };
  const results = startSession(o.system, o.task, source, o.onResult, o.state, o.emit);
  try {
    for (;;) {
      const r = o.system.engine.run();
      if (r.reason !== 'paused') break; // the thread has ended (exit or end of input) and the run is idle
      if (queue.empty) {
        rl.setPrompt(promptFor(o.task));
        rl.prompt();
      }
      const line = await queue.next();
      if (line !== null) await o.beforeLine?.(line);
      pending = line;
    }
  } finally {
    closing = true;
    rl.close();
  }
  return results;
}
