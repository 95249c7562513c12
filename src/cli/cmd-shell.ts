/**
 * `modswap shell`: boot a modelled machine with ramfs as root and procfs at
 * /proc (or, with --image FILE, the ext3 module on that image as root, of
 * release --ext3-version N, unmounted cleanly at the end), then run shell
 * commands from --script FILE or standard input, one per line, in one
 * simulated process on one simulated thread.
 *
 * Output contract (kept stable for later commands): in text mode each
 * command prints its output, and a failing command prints one line
 * `error: ERRNO SYSCALL PATH` and the script goes on; with --json each
 * command prints one JSON object {"cmd","ok","errno","out"}. An unknown
 * command is `error: ENOSYS shell NAME`, wrong arguments `error: EINVAL shell
 * NAME`. Exit status 0 when every command succeeded, 1 otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ErrnoError } from '../sim/errno.ts';
import { SimError } from '../sim/errors.ts';
import { EXT3_VERSIONS } from '../modules/index.ts';
import { Keyring } from '../modules/update/keyring.ts';
import { loadPackage, type LoadedPackage } from '../modules/update/load.ts';
import { QUIESCENCE_STRATEGIES, type QuiescenceStrategy } from '../modules/update/usecount.ts';
import { UsageError, flagHelp, parseFlags, type FlagSpecs } from './args.ts';
import type { Command } from './command.ts';
import { defaultKeyring } from './paths.ts';
import { buildSystem, type BuiltSystem } from './system.ts';
import { PACKAGES_KEY, runScript, shellCommands, splitArgs, splitCommand, stripLine, type ShellResult } from './shell/index.ts';


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

/** Load every package an `update` line names (host I/O, before the simulation runs). */
async function preloadPackages(script: string, keyringDir: string | undefined): Promise<Map<string, LoadedPackage>> {
  const wanted = new Set<string>();
  for (const raw of script.split(/\r?\n/)) {
    const line = stripLine(raw);
    const { name, rest } = splitCommand(line);
    if (name !== 'update') continue;
    const what = splitArgs(rest, 9, false)[1];
    if (what !== undefined && !/^\d+$/.test(what)) wanted.add(what);
  }
  const out = new Map<string, LoadedPackage>();
  if (wanted.size === 0) return out;
  let ring: Keyring | null = null;
  const dir = keyringDir ?? defaultKeyring();
  try {
    if (keyringDir !== undefined || existsSync(dir)) ring = Keyring.fromDirectory(dir);
  } catch (e) {
    throw new UsageError(`shell: --keyring: ${(e as Error).message}`);
  }
  for (const p of wanted) out.set(p, await loadPackage(p, ring));
  return out;
}

export const shellCommand: Command = {
  name: 'shell',
  summary: 'run file-system commands (and live updates) on a booted machine',
  help: () => {
    const cmds = shellCommands();
    const w = Math.max(...cmds.map((c) => c.usage.length)) + 2;
    return [
      'usage: modswap shell [--script FILE] [FLAGS]',
      '',
      'Boots a modelled PowerPC machine (ramfs root by default; ext3 with --fs ext3 or',
      '--image FILE), procfs at /proc and sysfs at /sys, then runs one command per line',
      'in one simulated process (root, umask 022, cwd /). `#` starts a comment; TEXT is',
      'the rest of the line, with \\n and \\\\ escapes. A failing command prints',
      '`error: ERRNO SYSCALL PATH` and the script goes on; an unknown command is ENOSYS,',
      'bad arguments EINVAL. Exit status: 0 if every command succeeded, else 1.',
      '',
      'commands:',
      ...cmds.map((c) => `  ${c.usage.padEnd(w)}${c.summary}`),
      '',
      'flags:',
      flagHelp(FLAGS),
    ].join('\n');
  },
  async run(argv, io) {
    const { flags, positional } = parseFlags('shell', argv, FLAGS);
    if (positional.length > 0) throw new UsageError(`shell: unexpected argument '${positional[0]}' (use --script FILE)`);
    if (flags['ext3-version'] !== undefined && flags.image === undefined && flags.fs !== 'ext3') {
      throw new UsageError('shell: --ext3-version needs --image FILE or --fs ext3');
    }
    let script: string;
    if (flags.script !== undefined) {
      try {
        script = readFileSync(flags.script, 'utf8');
      } catch (e) {
        throw new UsageError(`shell: cannot read --script ${flags.script}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    } else {
      script = await io.readStdin();
    }
    const packages = await preloadPackages(script, flags.keyring);
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
    let results: ShellResult[];
    try {
      results = runScript(b.system, task, script, print, new Map<string, unknown>([[PACKAGES_KEY, packages]]), emit);
    } finally {
      // Unmount everything so an image is clean (e2fsck -fn exits 0).
      b.shutdown();
    }
    return results.every((r) => r.ok) ? 0 : 1;
  },
};
