/**
 * The shell's own commands: `help` (the command list with usages, or one
 * command) and `exit` (read no more lines). They run in scripts as at a
 * terminal, so a session typed line by line and the same lines as a script
 * behave alike. Registered after every other command (index.ts imports this
 * file last), so `help` lists the whole table.
 */
import { EXIT_KEY, ShellUsageError } from './session.ts';
import { findShellCommand, registerShellCommand, shellCommands, type ShellCommand } from './table.ts';

/** Usages wider than this put their summary on the next line. */
const USAGE_COLUMN = 30;

/** One command's help entry: usage, then its summary in a column (or below a long usage). */
function entry(c: ShellCommand, indent: string): string {
  return c.usage.length < USAGE_COLUMN
    ? `${indent}${c.usage.padEnd(USAGE_COLUMN)}${c.summary}`
    : `${indent}${c.usage}\n${indent}${' '.repeat(USAGE_COLUMN)}${c.summary}`;
}

/** Every command with its usage and summary, one per line (also in `modswap shell --help`). */
export function shellCommandList(indent = '  '): string {
  return shellCommands()
    .map((c) => entry(c, indent))
    .join('\n');
}

registerShellCommand({
  name: 'help',
  usage: 'help [COMMAND]',
  summary: 'list the commands with their usage (or show one)',
  words: 1,
  minArgs: 0,
  *run(_ctx, [name]) {
    if (name === undefined) return `commands (TEXT is the rest of the line, with \\n and \\\\ escapes; # starts a comment):\n${shellCommandList()}`;
    const c = findShellCommand(name);
    if (!c) throw new ShellUsageError();
    return entry(c, '');
  },
});

registerShellCommand({
  name: 'exit',
  usage: 'exit',
  summary: 'end the session (as end of input does)',
  words: 0,
  minArgs: 0,
  *run(ctx) {
    ctx.state.set(EXIT_KEY, true);
    return '';
  },
});
