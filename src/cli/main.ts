/**
 * `modswap`: the command-line entry point. Dispatches to one command per file;
 * bad flags and bad input files get a one-line error and exit status 2.
 */
import { writeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { UsageError } from './args.ts';
import type { CliIO, Command } from './command.ts';
import { COMMANDS } from './commands.ts';
import { ErrnoError } from '../uapi/errno.ts';

function usage(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'modswap: live replacement of a Linux file-system module, beside K42 hot-swapping,',
    'on a modelled PowerPC multiprocessor.',
    '',
    'usage: modswap COMMAND [FLAGS]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
    '',
    'Run `modswap COMMAND --help` for the flags of one command.',
  ].join('\n');
}

export const nodeIO: CliIO = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  write: (t) => {
    // synchronous, so a reader that went away (EPIPE) stops a long stream at once;
    // stdout writes are synchronous on Linux, so this stays in order with out()
    const b = Buffer.from(t, 'utf8');
    for (let off = 0; off < b.length; ) {
      try {
        off += writeSync(1, b, off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
    }
  },
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  isTTY: process.stdout.isTTY === true,
  // the prompt and echo go where the user sees them: stdout, or stderr when stdout is redirected
  terminal: process.stdin.isTTY === true ? { input: process.stdin, output: process.stdout.isTTY === true ? process.stdout : process.stderr } : undefined,
};

/** An error line echoes user input (argv, file text); raw newlines in it must not break the one-line rule. */
function oneLine(text: string): string {
  return text.replace(/\r?\n|\r/g, '\\n');
}

export async function main(argv: string[], io: CliIO = nodeIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const entry = topic ? COMMANDS.find((c) => c.name === topic) : undefined;
    io.out(entry ? (await entry.load()).help() : usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.out('modswap 0.1.0');
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.err(`modswap: unknown command '${oneLine(name)}' (see modswap --help)`);
    return 2;
  }
  const cmd: Command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(cmd.help());
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`modswap ${oneLine(e.message)}`);
      return 2;
    }
    if (e instanceof ErrnoError) {
      io.err(`modswap ${name}: ${oneLine(e.message)}`);
      return 1;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.err(`modswap ${name}: internal error: ${msg.split('\n')[0]}`);
    if (process.env['MODSWAP_DEBUG']) io.err(e instanceof Error ? (e.stack ?? msg) : msg);
    return 70;
  }
}

/**
 * V8's interrupt budget for the `modswap` process: how much bytecode a
 * function runs before V8 considers optimizing it (default 132 KiB). Every
 * run boots machine after machine (cases, scenarios, demos), each with fresh
 * module instances and closures whose optimized code dies at the next major
 * collection; with the default a fuzz process spent a third to a half of its
 * CPU in TurboFan re-optimizing the same functions. Measured: 200 fuzz seeds
 * in one process, 20.0 CPU seconds with the default, 15.0 with this
 * (docs/sweeps.md). Fuzz workers run `main` too, so they get it as well.
 */
export const INTERRUPT_BUDGET = 500_000;

/** Process-wide setup of the command-line process (not of a test calling `main`). */
export function setUpProcess(): void {
  setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
  quietOnEpipe();
}

/** `modswap ... | head`: a reader that went away is not an error. */
function quietOnEpipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

// Run when executed directly (tsx src/cli/main.ts ...), not when imported.
const invoked = process.argv[1] ?? '';
if (invoked.endsWith('/src/cli/main.ts') || invoked.endsWith('\\src\\cli\\main.ts')) {
  setUpProcess();
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`modswap: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
