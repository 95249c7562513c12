/** `modswap shell`: text and --json output, errors, exit status (through main). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/command.ts';

function capture(stdin = ''): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => stdin, isTTY: false },
    out,
    err,
  };
}

async function shell(script: string, ...flags: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const c = capture(script);
  const code = await main(['shell', ...flags], c.io);
  return { code, out: c.out, err: c.err };
}

describe('modswap shell', () => {
  it('runs a script from stdin and prints each command output', async () => {
    const r = await shell(['# make a tree', 'mkdir /a', 'write /a/f hello\\nworld', 'cat /a/f', 'ls /a', 'echo a\\\\b'].join('\n'));
    expect(r.code).toBe(0);
    expect(r.out).toEqual(['hello\nworld', 'f', 'a\\b']);
  });

  it('reads --script FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-shell-'));
    const file = join(dir, 's.txt');
    writeFileSync(file, 'mkdir /d 700\nstat /d\n');
    const c = capture();
    const code = await main(['shell', '--script', file], c.io);
    expect(code).toBe(0);
    expect(c.out[0]).toMatch(/^ino=\d+ mode=040700 nlink=2 size=0 uid=0 gid=0$/);
  });

  it('reports a failure as one error line, goes on, and exits 1', async () => {
    const r = await shell('cat /nope\nmkdir /x\nrmdir /x/..\nls /');
    expect(r.code).toBe(1);
    expect(r.out).toEqual(['error: ENOENT open /nope', 'error: ENOTEMPTY rmdir /x/..', 'proc\nsys\nx']);
  });

  it('gives ENOSYS for an unknown command and EINVAL for bad arguments', async () => {
    const r = await shell('frobnicate /x\nmkdir\nchmod 9z9 /\ntruncate / -1');
    expect(r.out).toEqual(['error: ENOSYS shell frobnicate', 'error: EINVAL shell mkdir', 'error: EINVAL shell chmod', 'error: EINVAL shell truncate']);
    expect(r.code).toBe(1);
  });

  it('prints one JSON object per command with --json', async () => {
    const r = await shell('mkdir /a\necho hi\nrm /a', '--json');
    expect(r.out.map((l) => JSON.parse(l))).toEqual([
      { cmd: 'mkdir /a', ok: true, errno: null, out: '' },
      { cmd: 'echo hi', ok: true, errno: null, out: 'hi' },
      { cmd: 'rm /a', ok: false, errno: 'EISDIR', out: 'error: EISDIR unlink /a' },
    ]);
  });

  it('su drops privileges: EACCES in /, EPERM for rmmod', async () => {
    const r = await shell('mkdir /tmp\nchmod 1777 /tmp\nsu 1000\nmkdir /u\nmkdir /tmp/u\nstat /tmp/u\nrmmod ramfs\ninsmod ramfs');
    expect(r.out[0]).toBe('error: EACCES mkdir /u');
    expect(r.out[1]).toMatch(/ mode=040755 .* uid=1000 gid=1000$/);
    expect(r.out.slice(2)).toEqual(['error: EPERM delete_module ramfs', 'error: EPERM init_module ramfs']);
  });

  it('covers links, symlinks, truncate, chmod, chown, umask, mount and procfs', async () => {
    const script = [
      'umask 077',
      'create /f',
      'stat /f',
      'umask 022',
      'write /f abc',
      'ln /f /g',
      'stat /g',
      'symlink /f /l',
      'readlink /l',
      'truncate /f 5',
      'cat /l',
      'chmod 600 /f',
      'chown 7:8 /f',
      'stat /f',
      'mv /g /h',
      'ls /',
      'mkdir /mnt',
      'mount ramfs none /mnt',
      'write /mnt/x 1',
      'cat /proc/mounts',
      'rmmod ramfs',
      'umount /mnt',
      'sync',
      'lsmod',
    ].join('\n');
    const r = await shell(script);
    expect(r.code).toBe(1); // rmmod ramfs fails: the root is ramfs
    expect(r.out).toEqual([
      expect.stringMatching(/ mode=0100600 nlink=1 size=0 /),
      expect.stringMatching(/ mode=0100600 nlink=2 size=3 /),
      '/f',
      'abc\0\0',
      expect.stringMatching(/ mode=0100600 nlink=2 size=5 uid=7 gid=8$/),
      'f\nh\nl\nproc\nsys',
      'none / ramfs rw 0 0\nproc /proc proc rw 0 0\nsysfs /sys sysfs rw 0 0\nnone /mnt ramfs rw 0 0\n',
      'error: EBUSY delete_module ramfs',
      expect.stringMatching(/^Module +Size +Used by\nramfs +16384 +1$/),
    ]);
  });

  it('is deterministic for a seed', async () => {
    const script = 'mkdir /a\ncreate /a/b\nstat /a/b\nls /a';
    const a = await shell(script, '--seed', '3', '--cpus', '4');
    const b = await shell(script, '--seed', '3', '--cpus', '4');
    expect(a.out).toEqual(b.out);
  });

  it('rejects bad flags with a usage error', async () => {
    const r = await shell('', '--cpus', '0');
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/--cpus must be at least 1/);
  });
});
