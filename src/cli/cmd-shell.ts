/**
 * `modswap shell`: boot a modelled machine with ramfs as root and procfs at
 * /proc (or, with --image FILE, the ext3 module on that image as root, of
 * release --ext3-version N, unmounted cleanly at the end), then run shell
 * commands from --script FILE or standard input, one per line, in one
 * simulated process on one simulated thread. When standard input is a
 * terminal (and no --script), the session is interactive
 * (shell/interactive.ts): each line runs as it is typed.
 *
 * Output contract (kept stable for later commands): in text mode each
 * command prints its output, and a failing command prints one line
 * `error: ERRNO SYSCALL PATH` and the script goes on; with --json each
 * command prints one JSON object {"cmd","ok","errno","out"}. An unknown
 * command is `error: ENOSYS shell NAME`, wrong arguments `error: EINVAL shell
 * NAME`. Exit status 0 when every command succeeded, 1 otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ErrnoError } from '../uapi/errno.ts';
import { SimError } from '../sim/errors.ts';
import { EXT3_VERSIONS } from '../modules/index.ts';
import { Keyring } from '../modules/update/keyring.ts';
import { loadPackage, type LoadedPackage } from '../modules/update/load.ts';
import { QUIESCENCE_STRATEGIES, type QuiescenceStrategy } from '../modules/update/usecount.ts';
import { UsageError, flagHelp, parseFlags, type FlagSpecs } from './args.ts';
import type { Command } from './command.ts';
import { defaultKeyring } from './paths.ts';
import { buildSystem, type BuiltSystem } from '../system/build.ts';
import { PACKAGES_KEY, runScript, shellCommandList, splitArgs, splitCommand, stripLine, type ShellResult } from '../shell/index.ts';
import { runInteractive } from '../shell/interactive.ts';

const FLAGS = {
  script: { kind: 'string', help: 'read commands from FILE (default: standard input)', arg: 'FILE' },
  cpus: { kind: 'int', help: 'number of CPUs', default: 2, min: 1, max: 256, arg: 'N' },
  seed: { kind: 'int', help: 'PRNG seed', default: 1, min: 0, max: 2 ** 32 - 1, arg: 'S' },
  json: { kind: 'boolean', help: 'print one JSON object per command' },
  fs: { kind: 'string', help: 'root file system: ramfs, or ext3 on a fresh in-memory image', default: 'ramfs', choices: ['ramfs', 'ext3'] },
  image: { kind: 'string', help: 'boot with the ext3 image in FILE as root (unmounted cleanly at the end)', arg: 'FILE' },
  'ext3-version': { kind: 'int', help: 'ext3 release for --image or --fs ext3 (default: the newest)', min: 1, max: EXT3_VERSIONS.length, arg: 'N' },
  quiescence: { kind: 'string', help: 'how modules count calls for live update', default: 'counter-percpu', choices: QUIESCENCE_STRATEGIES },
  keyring: { kind: 'string', help: 'directory of trusted .pub keys for update packages (default: packages/keyring)', arg: 'DIR' },
} satisfies FlagSpecs;

/** The package an `update` line names, if any (a built-in release number is not one). */
function packageOf(raw: string): string | undefined {
  const { name, rest } = splitCommand(stripLine(raw));
  if (name !== 'update') return undefined;
  const what = splitArgs(rest, 9, false)[1];
  return what !== undefined && !/^\d+$/.test(what) ? what : undefined;
}

/** The keyring packages are checked against: --keyring DIR, else the shipped one (null if absent). */
function openKeyring(keyringDir: string | undefined): Keyring | null {
  const dir = keyringDir ?? defaultKeyring();
  try {
    return keyringDir !== undefined || existsSync(dir) ? Keyring.fromDirectory(dir) : null;
  } catch (e) {
    throw new UsageError(`shell: --keyring: ${(e as Error).message}`);
  }
}

/**
 * Load every package the lines' `update` commands name that `into` lacks
 * (host I/O, before the simulation runs them, as a kernel reads a module file
 * before init_module). The keyring is opened only if there is one to load.
 */
async function loadPackages(lines: readonly string[], keyring: () => Keyring | null, into: Map<string, LoadedPackage>): Promise<void> {
  const wanted = new Set<string>();
  for (const raw of lines) {
    const p = packageOf(raw);
    if (p !== undefined && !into.has(p)) wanted.add(p);
  }
  if (wanted.size === 0) return;
  const ring = keyring();
  for (const p of wanted) into.set(p, await loadPackage(p, ring));
}

export const shellCommand: Command = {
  name: 'shell',
  flags: FLAGS,
  summary: 'run file-system commands (and live updates) on a booted machine',
  help: () =>
    [
      'usage: modswap shell [--script FILE] [FLAGS]',
      '',
      'Boots a modelled PowerPC machine (ramfs root by default; ext3 with --fs ext3 or',
      '--image FILE), procfs at /proc and sysfs at /sys, then runs one command per line',
      'in one simulated process (root, umask 022, cwd /). `#` starts a comment; TEXT is',
      'the rest of the line, with \\n and \\\\ escapes. A failing command prints',
      '`error: ERRNO SYSCALL PATH` and the script goes on; an unknown command is ENOSYS,',
      'bad arguments EINVAL. Exit status: 0 if every command succeeded, else 1.',
      '',
      'Lines come from --script FILE, or from standard input. At a terminal the shell is',
      'interactive: a prompt, line editing, history and completion of command names;',
      'each line runs as it is typed (what a script of the same lines prints), and',
      '`exit` or Ctrl-D ends the session.',
      '',
      'commands:',
      shellCommandList(),
      '',
      'flags:',
      flagHelp(FLAGS),
    ].join('\n'),
  async run(argv, io) {
    const { flags, positional } = parseFlags('shell', argv, FLAGS);
    if (positional.length > 0) throw new UsageError(`shell: unexpected argument '${positional[0]}' (use --script FILE)`);
    if (flags['ext3-version'] !== undefined && flags.image === undefined && flags.fs !== 'ext3') {
      throw new UsageError('shell: --ext3-version needs --image FILE or --fs ext3');
    }
    const packages = new Map<string, LoadedPackage>();
    let ring: Keyring | null | undefined;
    const keyring = (): Keyring | null => (ring === undefined ? (ring = openKeyring(flags.keyring)) : ring);
    // at a terminal (no --script): lines are read one at a time, as typed
    const terminal = flags.script === undefined ? io.terminal : undefined;
    let script = '';
    if (terminal) {
      if (flags.keyring !== undefined) keyring(); // a bad --keyring fails before the prompt
    } else if (flags.script !== undefined) {
      try {
        script = readFileSync(flags.script, 'utf8');
      } catch (e) {
        throw new UsageError(`shell: cannot read --script ${flags.script}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    } else {
      script = await io.readStdin();
    }
    if (!terminal) await loadPackages(script.split(/\r?\n/), keyring, packages);
    if (flags.image !== undefined && !existsSync(flags.image)) throw new UsageError(`shell: cannot open --image ${flags.image}: ENOENT`);
    let b: BuiltSystem;
    try {
      b = buildSystem({
        cpus: flags.cpus ?? 2,
        seed: flags.seed ?? 1,
        fs: flags.image !== undefined ? 'ext3' : (flags.fs as 'ramfs' | 'ext3'),
        ...(flags.image !== undefined ? { image: flags.image } : {}),
        ...(flags['ext3-version'] !== undefined ? { ext3Version: flags['ext3-version'] } : {}),
        strategy: flags.quiescence as QuiescenceStrategy,
      });
    } catch (e) {
      if (e instanceof ErrnoError) throw new UsageError(`shell: cannot mount ${flags.image ?? 'the root file system'}: ${e.message}`);
      if (e instanceof Error && /HostFileBackend|EACCES|ENOENT|EISDIR/.test(e.message)) throw new UsageError(`shell: cannot open --image ${flags.image}: ${e.message.split('\n')[0]}`);
      // A file that cannot be a disk (not a whole number of sectors).
      if (e instanceof SimError && flags.image !== undefined) throw new UsageError(`shell: cannot use --image ${flags.image}: ${e.message.split('\n')[0]}`);
      throw e;
    }
    const task = b.system.newTask({ name: 'sh' });
    // `cat` streams its output in chunks straight to stdout (text mode); a streamed
    // output not ending in a newline gets one before the next line, as io.out does
    let openLine = false;
    const write = io.write?.bind(io);
    const emit = !flags.json && write
      ? (chunk: string): void => {
          try {
            write(chunk);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'EPIPE') throw new ErrnoError('EPIPE', 'write', 'stdout');
            throw e;
          }
          openLine = !chunk.endsWith('\n');
        }
      : undefined;
    const print = (r: ShellResult): void => {
      if (openLine) {
        openLine = false;
        try {
          write?.('\n');
        } catch {
          /* the reader is gone (EPIPE): the stream's command already failed with it */
        }
      }
      if (flags.json) io.out(JSON.stringify({ cmd: r.cmd, ok: r.ok, errno: r.errno, out: r.out }));
      else if (r.out !== '') io.out(r.out);
    };
    const state = new Map<string, unknown>([[PACKAGES_KEY, packages]]);
    let results: ShellResult[];
    try {
      if (terminal) {
        const root = flags.image ?? (flags.fs === 'ext3' ? 'ext3' : 'ramfs');
        terminal.output.write(`modswap shell: ${root} root, ${flags.cpus ?? 2} CPU(s). \`help\` lists the commands; \`exit\` or Ctrl-D ends.\n`);
        results = await runInteractive({ system: b.system, task, terminal, onResult: print, state, emit, beforeLine: (line) => loadPackages([line], keyring, packages) });
      } else {
        results = runScript(b.system, task, script, print, state, emit);
      }
    } finally {
      // Unmount everything so an image is clean (e2fsck -fn exits 0).
      b.shutdown();
    }
    return results.every((r) => r.ok) ? 0 : 1;
  },
};
