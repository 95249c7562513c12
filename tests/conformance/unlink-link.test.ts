/** unlink(2) and link(2): link counts, unlink of open files, errors (pjdfstest link/*, unlink/*). */
import { describe, expect, it } from 'vitest';
import { sys } from '../../src/vfs/index.ts';
import { O_RDONLY } from '../../src/uapi/fcntl.ts';
import { Env, OTHER, errorCases, text, type ErrCase } from './harness.ts';
import { SETUPS } from './setups.ts';

const ERRORS: ErrCase[] = [
  { name: 'unlink of a directory (Linux: EISDIR)', fx: { dirs: ['d'] }, call: (t, p) => sys.unlink(t, p('d')), code: 'EISDIR', syscall: 'unlink', path: 'd' },
  { name: 'unlink of a missing name', call: (t, p) => sys.unlink(t, p('nope')), code: 'ENOENT', syscall: 'unlink', path: 'nope' },
  { name: 'unlink of file/ (trailing slash)', fx: { files: { f: '' } }, call: (t, p) => sys.unlink(t, p('f/')), code: 'ENOTDIR', syscall: 'unlink', path: 'f/' },
  { name: 'unlink below a file', fx: { files: { f: '' } }, call: (t, p) => sys.unlink(t, p('f/x')), code: 'ENOTDIR', syscall: 'unlink', path: 'f/x' },
  { name: 'unlink of .', fx: { dirs: ['d'] }, call: (t, p) => sys.unlink(t, p('d/.')), code: 'EISDIR', syscall: 'unlink', path: 'd/.' },
  { name: 'unlink by a user in a root directory', fx: { files: { f: '' } }, asUser: true, call: (t, p) => sys.unlink(t, p('f')), code: 'EACCES', syscall: 'unlink', path: 'f' },
  { name: "unlink of another's file in a sticky directory", fx: { dirs: ['tmp'], files: { 'tmp/f': '' }, modes: { tmp: 0o1777 }, owners: { 'tmp/f': [OTHER.uid, OTHER.gid] } }, asUser: true, call: (t, p) => sys.unlink(t, p('tmp/f')), code: 'EPERM', syscall: 'unlink', path: 'tmp/f' },
  { name: 'link of a directory', fx: { dirs: ['d'] }, call: (t, p) => sys.link(t, p('d'), p('d2')), code: 'EPERM', syscall: 'link', path: 'd' },
  { name: 'link onto an existing name', fx: { files: { f: '', g: '' } }, call: (t, p) => sys.link(t, p('f'), p('g')), code: 'EEXIST', syscall: 'link', path: 'f' },
  { name: 'link of a missing file', call: (t, p) => sys.link(t, p('nope'), p('x')), code: 'ENOENT', syscall: 'link', path: 'nope' },
  { name: 'link across mounts', fx: { files: { f: '' } }, call: (t, p) => sys.link(t, p('f'), '/f2'), code: 'EXDEV', syscall: 'link', path: 'f' },
  { name: 'link into a missing directory', fx: { files: { f: '' } }, call: (t, p) => sys.link(t, p('f'), p('no/f')), code: 'ENOENT', syscall: 'link', path: 'f' },
];

describe.each(SETUPS)('unlink/link on $name', (setup) => {
  describe('errors', () => errorCases(setup, ERRORS));

  it('counts hard links 1 → 2 → 3 and back; attributes show through every name', () => {
    const env = Env.create(setup, { files: { a: 'x' } });
    const p = env.p;
    expect(env.stat(p('a')).nlink).toBe(1);
    env.run((t) => sys.link(t, p('a'), p('b')));
    expect(env.stat(p('a')).nlink).toBe(2);
    env.run((t) => sys.link(t, p('b'), p('c')));
    expect(env.stat(p('c')).nlink).toBe(3);
    expect(env.stat(p('c')).ino).toBe(env.stat(p('a')).ino);
    env.run((t) => sys.chmod(t, p('b'), 0o600));
    env.run((t) => sys.chown(t, p('c'), 7, 8));
    const st = env.stat(p('a'));
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o600, 7, 8]);
    env.run((t) => sys.unlink(t, p('a')));
    expect(env.stat(p('b')).nlink).toBe(2);
    env.run((t) => sys.unlink(t, p('b')));
    expect(env.stat(p('c')).nlink).toBe(1);
    expect(env.readText(p('c'))).toBe('x');
  });

  it('an unlinked file stays readable while open, and is freed at close', () => {
    const env = Env.create(setup, { files: { f: 'Hello' } });
    const mod = env.s.modules.get(setup.module)!;
    const before = mod.instances.count('inode');
    const r = env.run(function* (t) {
      const fd = yield* sys.open(t, env.p('f'), O_RDONLY);
      yield* sys.unlink(t, env.p('f'));
      const st = yield* sys.fstat(t, fd);
      const buf = new Uint8Array(16);
      const n = yield* sys.pread(t, fd, buf, 0);
      const during = mod.instances.count('inode');
      yield* sys.close(t, fd);
      return { nlink: st.nlink, data: text(buf.subarray(0, n)), during };
    });
    expect(r).toEqual({ nlink: 0, data: 'Hello', during: before });
    expect(env.exists(env.p('f'))).toBe(false);
    expect(mod.instances.count('inode')).toBe(before - 1);
  });

  it('link does not follow a symlink', () => {
    const env = Env.create(setup, { files: { f: '' }, symlinks: { l: 'f' } });
    env.run((t) => sys.link(t, env.p('l'), env.p('l2')));
    expect(env.lstat(env.p('l2')).ino).toBe(env.lstat(env.p('l')).ino);
    expect(env.stat(env.p('f')).nlink).toBe(1);
  });
});
