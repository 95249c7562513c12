/**
 * The shell's command table. A command declares how many blank-separated
 * words it takes (`words`, of which `minArgs` are required) and whether the
 * rest of the line is a TEXT argument; `run` is a generator executed on the
 * shell's simulated thread and returns the text to print.
 *
 * Later issues add commands (update, bg, wait, status) with
 * `registerShellCommand`; the output contract stays: one result per line.
 */
import type { Sim } from '../sim/effects.ts';
import { ModuleSubsystem } from '../modules/core/loader.ts';
import { delete_module, init_module } from '../modules/core/syscalls.ts';
import * as sys from '../vfs/syscalls.ts';
import { Cred } from '../vfs/task.ts';
import { CAP_FULL_SET } from '../vfs/types.ts';
import { O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_TRUNC, O_WRONLY } from '../uapi/fcntl.ts';
import { S_ISDIR } from '../uapi/stat.ts';
import { parseCount, parseMode } from './parse.ts';
import { ShellUsageError, outputSink, type ShellContext } from './session.ts';

export interface ShellCommand {
  readonly name: string;
  /** Usage line shown in help, e.g. "mkdir PATH [MODE]". */
  readonly usage: string;
  readonly summary: string;
  /** Blank-separated words before the optional TEXT. */
  readonly words: number;
  /** Words that must be present. */
  readonly minArgs: number;
  /** The rest of the line is one TEXT argument (with \n and \\ escapes). */
  readonly text?: boolean;
  /** A failure's error line ends with its cause (`error: ERRNO SYSCALL PATH: cause`). */
  readonly detailedErrors?: boolean;
  run(ctx: ShellContext, args: readonly string[]): Sim<string>;
}

const TABLE = new Map<string, ShellCommand>();

export function registerShellCommand(cmd: ShellCommand): void {
  if (TABLE.has(cmd.name)) throw new Error(`shell: command ${cmd.name} already registered`);
  TABLE.set(cmd.name, cmd);
}

export function findShellCommand(name: string): ShellCommand | undefined {
  return TABLE.get(name);
}

export function shellCommands(): readonly ShellCommand[] {
  return [...TABLE.values()];
}

const enc = new TextEncoder();

function mode(s: string | undefined, dflt: number): number {
  if (s === undefined) return dflt;
  const m = parseMode(s);
  if (Number.isNaN(m)) throw new ShellUsageError();
  return m;
}

function* writeFile(ctx: ShellContext, path: string, text: string, flags: number): Sim<string> {
  const t = ctx.task;
  const fd = yield* sys.open(t, path, flags, 0o666);
  try {
    yield* sys.write(t, fd, enc.encode(text));
  } finally {
    yield* sys.close(t, fd);
  }
  return '';
}

function def(
  name: string,
  usage: string,
  summary: string,
  words: number,
  minArgs: number,
  run: ShellCommand['run'],
  text = false,
): void {
  registerShellCommand({ name, usage, summary, words, minArgs, text, run });
}

def('mkdir', 'mkdir PATH [MODE]', 'make a directory (mode 777 less umask)', 2, 1, function* (c, [p, m]) {
  yield* sys.mkdir(c.task, p!, mode(m, 0o777));
  return '';
});
def('rmdir', 'rmdir PATH', 'remove an empty directory', 1, 1, function* (c, [p]) {
  yield* sys.rmdir(c.task, p!);
  return '';
});
def('create', 'create PATH [MODE]', 'create a new empty file (O_CREAT|O_EXCL)', 2, 1, function* (c, [p, m]) {
  const fd = yield* sys.open(c.task, p!, O_CREAT | O_EXCL | O_WRONLY, mode(m, 0o666));
  yield* sys.close(c.task, fd);
  return '';
});
def('write', 'write PATH TEXT', 'replace a file with TEXT (O_CREAT|O_TRUNC)', 1, 1, (c, [p, text]) => writeFile(c, p!, text ?? '', O_CREAT | O_TRUNC | O_WRONLY), true);
def('append', 'append PATH TEXT', 'add TEXT at the end of a file (O_APPEND)', 1, 1, (c, [p, text]) => writeFile(c, p!, text ?? '', O_CREAT | O_APPEND | O_WRONLY), true);
/** Bytes `cat` reads (and passes on) at a time: its output never has to fit in one string. */
export const CAT_CHUNK = 64 * 1024;

def('cat', 'cat PATH', 'print a file', 1, 1, function* (c, [p]) {
  const t = c.task;
  const fd = yield* sys.open(t, p!, O_RDONLY);
  const out = outputSink(c);
  // one decoder per cat: a multi-byte character split across two reads is decoded whole
  const utf8 = new TextDecoder();
  try {
    const buf = new Uint8Array(CAT_CHUNK);
    for (;;) {
      const n = yield* sys.read(t, fd, buf);
      if (n === 0) break;
      out.put(utf8.decode(buf.subarray(0, n), { stream: true }));
    }
    out.put(utf8.decode());
  } finally {
    yield* sys.close(t, fd);
  }
  return out.result();
});
def('ls', 'ls PATH', 'list a directory, names sorted, without . and ..', 1, 1, function* (c, [p]) {
  const t = c.task;
  const st = yield* sys.stat(t, p!);
  if (!S_ISDIR(st.mode)) return p!;
  const fd = yield* sys.open(t, p!, O_RDONLY | O_DIRECTORY);
  const names: string[] = [];
  try {
    for (;;) {
      const batch = yield* sys.getdents(t, fd);
      if (batch.length === 0) break;
      for (const d of batch) if (d.d_name !== '.' && d.d_name !== '..') names.push(d.d_name);
    }
  } finally {
    yield* sys.close(t, fd);
  }
  return names.sort().join('\n');
});
def('stat', 'stat PATH', 'inode, mode, links, size, owner (of a symlink itself)', 1, 1, function* (c, [p]) {
  const st = yield* sys.lstat(c.task, p!);
  return `ino=${st.ino} mode=0${st.mode.toString(8)} nlink=${st.nlink} size=${st.size} uid=${st.uid} gid=${st.gid}`;
});
def('df', 'df PATH', 'statfs(2) of the file system holding PATH (blocks in f_bsize units)', 1, 1, function* (c, [p]) {
  const f = yield* sys.statfs(c.task, p!);
  return `type=0x${f.f_type.toString(16)} bsize=${f.f_bsize} blocks=${f.f_blocks} bfree=${f.f_bfree} bavail=${f.f_bavail} files=${f.f_files} ffree=${f.f_ffree} namelen=${f.f_namelen}`;
});
def('rm', 'rm PATH', 'unlink a name', 1, 1, function* (c, [p]) {
  yield* sys.unlink(c.task, p!);
  return '';
});
def('mv', 'mv OLD NEW', 'rename', 2, 2, function* (c, [a, b]) {
  yield* sys.rename(c.task, a!, b!);
  return '';
});
def('ln', 'ln OLD NEW', 'make a hard link', 2, 2, function* (c, [a, b]) {
  yield* sys.link(c.task, a!, b!);
  return '';
});
def('symlink', 'symlink TARGET PATH', 'make a symbolic link', 2, 2, function* (c, [a, b]) {
  yield* sys.symlink(c.task, a!, b!);
  return '';
});
def('readlink', 'readlink PATH', 'print a symbolic link', 1, 1, (c, [p]) => sys.readlink(c.task, p!));
def('truncate', 'truncate PATH LEN', 'set a file size', 2, 2, function* (c, [p, n]) {
  const len = parseCount(n!);
  if (Number.isNaN(len)) throw new ShellUsageError();
  yield* sys.truncate(c.task, p!, len);
  return '';
});
def('chmod', 'chmod MODE PATH', 'change mode bits (octal)', 2, 2, function* (c, [m, p]) {
  yield* sys.chmod(c.task, p!, mode(m, 0));
  return '';
});
def('chown', 'chown UID:GID PATH', 'change owner and group', 2, 2, function* (c, [ug, p]) {
  const m = /^(\d+)?:(\d+)?$/.exec(ug!);
  if (!m) throw new ShellUsageError();
  yield* sys.chown(c.task, p!, m[1] ? Number(m[1]) : -1, m[2] ? Number(m[2]) : -1);
  return '';
});
def('umask', 'umask [MODE]', 'set (or print) the file-creation mask', 1, 0, function* (c, [m]) {
  if (m === undefined) return '0' + c.task.umask.toString(8).padStart(3, '0');
  c.task.umask = mode(m, 0) & 0o777;
  return '';
});
def('su', 'su UID', 'become user UID (group UID, no capabilities; 0: root)', 1, 1, function* (c, [u]) {
  const uid = parseCount(u!);
  if (Number.isNaN(uid)) throw new ShellUsageError();
  c.task.cred = uid === 0 ? new Cred(0, 0, [], CAP_FULL_SET) : new Cred(uid, uid, [], 0);
  return '';
});
def('lsmod', 'lsmod', 'list loaded modules', 0, 0, function* (c) {
  return ModuleSubsystem.of(c.task.kernel).lsmod().trimEnd();
});
def('insmod', 'insmod NAME', 'load a module', 1, 1, function* (c, [n]) {
  yield* init_module(c.task, n!);
  return '';
});
def('rmmod', 'rmmod NAME', 'unload a module', 1, 1, function* (c, [n]) {
  yield* delete_module(c.task, n!);
  return '';
});
def('mount', 'mount FSTYPE DEV PATH', 'mount a file system', 3, 3, function* (c, [type, dev, p]) {
  yield* sys.mount(c.task, dev!, p!, type!);
  return '';
});
def('umount', 'umount PATH', 'unmount a file system', 1, 1, function* (c, [p]) {
  yield* sys.umount(c.task, p!);
  return '';
});
def('sync', 'sync', 'write back every file system', 0, 0, function* (c) {
  yield* sys.sync(c.task);
  return '';
});
def('echo', 'echo TEXT', 'print TEXT', 0, 0, function* (_c, [text]) {
  return text ?? '';
}, true);
