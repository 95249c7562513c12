/**
 * A shell session: one simulated process (`Task`) on one simulated thread
 * that runs a script's commands in order. Each command yields a result
 * `{ cmd, ok, errno, out }`; a failing command does not stop the script.
 *
 * The whole script runs inside the simulation (one `engine.run`), so later
 * commands that start background threads (`bg`) run concurrently with it.
 * At a terminal the lines come one at a time (interactive.ts): the thread
 * pauses the run for each, so a session typed line by line prints what the
 * same lines as a script print.
 */
import type { Sim } from '../sim/effects.ts';
import { ErrnoError, errno, type ErrnoCode } from '../uapi/errno.ts';
import type { System } from '../system/boot.ts';
import type { Task } from '../vfs/task.ts';
import { findShellCommand } from './table.ts';
import { splitArgs, splitCommand, stripLine } from './parse.ts';

export interface ShellResult {
  /** The line as written (comment-free, trimmed). */
  cmd: string;
  ok: boolean;
  errno: ErrnoCode | null;
  /** What the command printed; on failure the `error: ...` line. */
  out: string;
}

/** What a command runs with. */
export interface ShellContext {
  readonly system: System;
  /** The shell's process (its credentials change with `su`). */
  readonly task: Task;
  /** Session state later commands keep (background jobs, loaded packages...), by key. */
  readonly state: Map<string, unknown>;
  /**
   * Where a streaming command (`cat`) sends its output as it is produced, in
   * bounded chunks (`modswap shell` writes them to stdout; a throwing sink,
   * e.g. EPIPE, stops the command). Without one, the output is collected into
   * the result, up to SHELL_OUTPUT_MAX bytes (EFBIG past that).
   */
  readonly emit?: (chunk: string) => void;
}

/** Most output one command may collect into its result when there is no `emit` sink. */
export const SHELL_OUTPUT_MAX = 16 << 20;

/** The output of one streaming command: to `ctx.emit` if there is one, else collected (bounded). */
export function outputSink(ctx: ShellContext): { put(text: string): void; result(): string } {
  const emit = ctx.emit;
  if (emit) return { put: (text) => text !== '' && emit(text), result: () => '' };
  const parts: string[] = [];
  let size = 0;
  return {
    put(text) {
      size += text.length;
      if (size > SHELL_OUTPUT_MAX) throw errno('EFBIG', `output longer than ${SHELL_OUTPUT_MAX} characters (modswap shell streams it to stdout)`);
      parts.push(text);
    },
    result: () => parts.join(''),
  };
}

/** The one-line report of a failed command: `error: ERRNO SYSCALL PATH`. */
export function errorLine(code: string, syscall: string, path: string | undefined): string {
  return `error: ${code} ${syscall}${path !== undefined ? ' ' + path : ''}`;
}

/** Run one line (already stripped) and describe the outcome. */
export function* runLine(ctx: ShellContext, cmd: string): Sim<ShellResult> {
  const { name, rest } = splitCommand(cmd);
  const def = findShellCommand(name);
  if (!def) return { cmd, ok: false, errno: 'ENOSYS', out: errorLine('ENOSYS', 'shell', name) };
  const args = splitArgs(rest, def.words, def.text === true);
  const arity = args.length;
  const max = def.words + (def.text ? 1 : 0);
  if (arity < def.minArgs || arity > max) return usageError(cmd, name);
  try {
    const out = yield* def.run(ctx, args);
    return { cmd, ok: true, errno: null, out };
  } catch (e) {
    if (e instanceof ShellUsageError) return usageError(cmd, name);
    if (e instanceof ErrnoError) {
      const line = errorLine(e.code, e.syscall ?? name, e.path);
      return { cmd, ok: false, errno: e.code, out: def.detailedErrors && e.detail ? `${line}: ${e.detail}` : line };
    }
    throw e;
  }
}

function usageError(cmd: string, name: string): ShellResult {
  return { cmd, ok: false, errno: 'EINVAL', out: errorLine('EINVAL', 'shell', name) };
}

/** Thrown by a command for a malformed argument (reported as EINVAL). */
export class ShellUsageError extends Error {}

/**
 * Where a session's lines come from, one at a time; null at the end. A
 * script's lines are there at once (the source takes no simulated time); a
 * terminal's are read between two steps of the shell thread (`pauseRun`).
 */
export type LineSource = () => Sim<string | null>;

/** The lines of a script, in order. */
export function scriptLines(script: string): LineSource {
  const lines = script.split(/\r?\n/);
  let i = 0;
  return function* () {
    return i < lines.length ? lines[i++]! : null;
  };
}

/** Session state key: set by `exit`, the session reads no more lines. */
export const EXIT_KEY = 'shell.exit';

/**
 * Start a session's thread: each line from `source` runs in order on one
 * simulated thread `sh` (the caller runs the engine). The returned array
 * fills with every command's result as it completes.
 */
export function startSession(system: System, task: Task, source: LineSource, onResult?: (r: ShellResult) => void, state?: Map<string, unknown>, emit?: (chunk: string) => void): ShellResult[] {
  const results: ShellResult[] = [];
  const ctx: ShellContext = { system, task, state: state ?? new Map(), ...(emit ? { emit } : {}) };
  system.engine.spawn('sh', function* (): Sim<void> {
    for (let raw = yield* source(); raw !== null; raw = yield* source()) {
      const cmd = stripLine(raw);
      if (cmd === '') continue;
      const r = yield* runLine(ctx, cmd);
      results.push(r);
      onResult?.(r);
      if (ctx.state.get(EXIT_KEY) === true) break;
    }
  });
  return results;
}

/** Run a whole script in one simulated thread; returns every command's result, in order. */
export function runScript(system: System, task: Task, script: string, onResult?: (r: ShellResult) => void, state?: Map<string, unknown>, emit?: (chunk: string) => void): ShellResult[] {
  const results = startSession(system, task, scriptLines(script), onResult, state, emit);
  system.engine.run();
  return results;
}
