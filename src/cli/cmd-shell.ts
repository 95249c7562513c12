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
import { readFileSync } from 'node:fs';
import { Machine } from '../hw-ppc64/machine.ts';
import type { Disk } from '../hw-ppc64/disk.ts';
import { HostFileBackend } from '../hw-ppc64/disk-backend.ts';
import { ErrnoError } from '../sim/errno.ts';
import { EXT3_VERSIONS, boot, bootFromDisk, shutdownSystem, type System } from '../modules/index.ts';
import { UsageError, flagHelp, parseFlags, type FlagSpecs } from './args.ts';
import type { Command } from './command.ts';
import { runScript, shellCommands, type ShellResult } from './shell/index.ts';

const FLAGS = {
  script: { kind: 'string', help: 'read commands from FILE (default: standard input)', arg: 'FILE' },
  cpus: { kind: 'int', help: 'number of CPUs', default: 2, min: 1, max: 256, arg: 'N' },
  seed: { kind: 'int', help: 'PRNG seed', default: 1, min: 0, max: 2 ** 32 - 1, arg: 'S' },
  json: { kind: 'boolean', help: 'print one JSON object per command' },
  image: { kind: 'string', help: 'boot with the ext3 image in FILE as root (unmounted cleanly at the end)', arg: 'FILE' },
  'ext3-version': { kind: 'int', help: 'ext3 release for --image (default: the newest)', min: 1, max: EXT3_VERSIONS.length, arg: 'N' },
} satisfies FlagSpecs;

export const shellCommand: Command = {
  name: 'shell',
  summary: 'run file-system commands on a booted machine (ramfs root)',
  help: () => {
    const cmds = shellCommands();
    const w = Math.max(...cmds.map((c) => c.usage.length)) + 2;
    return [
      'usage: modswap shell [--script FILE] [FLAGS]',
      '',
      'Boots a modelled PowerPC machine with ramfs as the root file system and procfs',
      'at /proc, then runs one command per line in one simulated process (root,',
      'umask 022, cwd /). `#` starts a comment; TEXT is the rest of the line, with',
      '\\n and \\\\ escapes. A failing command prints `error: ERRNO SYSCALL PATH` and the',
      'script goes on; an unknown command is ENOSYS, bad arguments EINVAL. Exit',
      'status: 0 if every command succeeded, else 1.',
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
    const machine = new Machine({ cpus: flags.cpus ?? 2, model: 'ppc970', seed: flags.seed ?? 1 });
    if (flags['ext3-version'] !== undefined && flags.image === undefined) throw new UsageError('shell: --ext3-version needs --image FILE');
    let disk: Disk | null = null;
    if (flags.image !== undefined) {
      try {
        disk = machine.addDisk({ name: 'sda', backend: HostFileBackend.open(flags.image) });
      } catch (e) {
        throw new UsageError(`shell: cannot open --image ${flags.image}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    }
    let system: System;
    try {
      // With an image: ext3 root on it, no procfs (it would need a /proc directory in the image).
      system = disk
        ? bootFromDisk({ engine: machine.engine, disk, procfs: false, ...(flags['ext3-version'] !== undefined ? { ext3Version: flags['ext3-version'] } : {}) })
        : boot({ engine: machine.engine });
    } catch (e) {
      disk?.close();
      if (e instanceof ErrnoError) throw new UsageError(`shell: cannot mount --image ${flags.image}: ${e.message}`);
      throw e;
    }
    const task = system.newTask({ name: 'sh' });
    const print = (r: ShellResult): void => {
      if (flags.json) io.out(JSON.stringify({ cmd: r.cmd, ok: r.ok, errno: r.errno, out: r.out }));
      else if (r.out !== '') io.out(r.out);
    };
    const results = runScript(system, task, script, print);
    if (disk) {
      // Unmount everything so the image is clean (e2fsck -fn exits 0).
      shutdownSystem(system);
      disk.close();
    }
    return results.every((r) => r.ok) ? 0 : 1;
  },
};
