/** rename(2) (pjdfstest rename/*): inode identity, link counts, directory moves, errors. */
import { describe, expect, it } from 'vitest';
import { sys } from '../../src/vfs/index.ts';
import { Env, errorCases, type ErrCase } from './harness.ts';
import { SETUPS, withKnownFailure } from './setups.ts';

const ERRORS: ErrCase[] = [
  { name: 'missing source', call: (t, p) => sys.rename(t, p('nope'), p('x')), code: 'ENOENT', syscall: 'rename', path: 'nope' },
  { name: 'directory onto a file', fx: { dirs: ['d'], files: { f: '' } }, call: (t, p) => sys.rename(t, p('d'), p('f')), code: 'ENOTDIR', syscall: 'rename', path: 'd' },
  { name: 'file onto a directory', fx: { dirs: ['d'], files: { f: '' } }, call: (t, p) => sys.rename(t, p('f'), p('d')), code: 'EISDIR', syscall: 'rename', path: 'f' },
  { name: 'directory into itself', fx: { dirs: ['d'] }, call: (t, p) => sys.rename(t, p('d'), p('d/sub')), code: 'EINVAL', syscall: 'rename', path: 'd' },
  { name: 'directory into its own subtree', fx: { dirs: ['d', 'd/sub'] }, call: (t, p) => sys.rename(t, p('d'), p('d/sub/x')), code: 'EINVAL', syscall: 'rename', path: 'd' },
  { name: 'onto a non-empty directory', fx: { dirs: ['a', 'b'], files: { 'b/f': '' } }, call: (t, p) => sys.rename(t, p('a'), p('b')), code: 'ENOTEMPTY', syscall: 'rename', path: 'a' },
  { name: 'onto an ancestor of the source', fx: { dirs: ['d', 'd/s'] }, call: (t, p) => sys.rename(t, p('d/s'), p('d')), code: 'ENOTEMPTY', syscall: 'rename', path: 'd/s' },
  { name: 'across mounts', fx: { files: { f: '' } }, call: (t, p) => sys.rename(t, p('f'), '/f'), code: 'EXDEV', syscall: 'rename', path: 'f' },
  { name: 'of .', fx: { dirs: ['d'] }, call: (t, p) => sys.rename(t, p('d/.'), p('e')), code: 'EBUSY', syscall: 'rename', path: 'd/.' },
  { name: 'file with a trailing slash', fx: { files: { f: '' } }, call: (t, p) => sys.rename(t, p('f/'), p('g')), code: 'ENOTDIR', syscall: 'rename', path: 'f/' },
  { name: 'by a user in a root directory', fx: { files: { f: '' } }, asUser: true, call: (t, p) => sys.rename(t, p('f'), p('g')), code: 'EACCES', syscall: 'rename', path: 'f' },
  { name: 'into a missing directory', fx: { files: { f: '' } }, call: (t, p) => sys.rename(t, p('f'), p('no/g')), code: 'ENOENT', syscall: 'rename', path: 'f' },
];

describe.each(SETUPS)('rename on $name', (setup) => {
  describe('errors', () => errorCases(setup, ERRORS));

  it('keeps the inode; with a second link nlink stays 2 and the old name is gone', () => {
    const env = Env.create(setup, { files: { a: 'data' } });
    const p = env.p;
    const ino = env.stat(p('a')).ino;
    env.run((t) => sys.link(t, p('a'), p('b')));
    env.run((t) => sys.rename(t, p('a'), p('c')));
    expect(env.stat(p('c')).ino).toBe(ino);
    expect(env.stat(p('c')).nlink).toBe(2);
    expect(env.exists(p('a'))).toBe(false);
  });

  // ext3 v1 fails this one the known way (its link-count bug): setups.ts
  it('moves a directory: parents relink and .. follows', (ctx) =>
    withKnownFailure(setup, ctx.task.name, () => {
      const env = Env.create(setup, { dirs: ['p1', 'p2', 'p1/s'] });
      const p = env.p;
      expect(env.stat(p('p1')).nlink).toBe(3);
      expect(env.stat(p('p2')).nlink).toBe(2);
      env.run((t) => sys.rename(t, p('p1/s'), p('p2/s')));
      expect(env.stat(p('p1')).nlink, 'nlink of the old parent after the move').toBe(2);
      expect(env.stat(p('p2')).nlink, 'nlink of the new parent after the move').toBe(3);
      expect(env.stat(p('p2/s/..')).ino).toBe(env.stat(p('p2')).ino);
      expect(env.exists(p('p1/s'))).toBe(false);
    }));

  it('replaces an existing file, dropping its link', () => {
    const env = Env.create(setup, { files: { a: 'new', b: 'old' } });
    const p = env.p;
    env.run((t) => sys.rename(t, p('a'), p('b')));
    expect(env.readText(p('b'))).toBe('new');
    expect(env.exists(p('a'))).toBe(false);
  });

  it('replaces an empty directory; the parent loses a link', () => {
    const env = Env.create(setup, { dirs: ['a', 'b'] });
    const p = env.p;
    const root = env.stat(p('')).nlink;
    env.run((t) => sys.rename(t, p('a'), p('b')));
    expect(env.stat(p('')).nlink).toBe(root - 1);
    expect(env.exists(p('a'))).toBe(false);
    expect(env.stat(p('b')).nlink).toBe(2);
  });

  it('leaves both sides unchanged when it fails', () => {
    const env = Env.create(setup, { dirs: ['d'], files: { f: 'x' } });
    const p = env.p;
    const before = [env.stat(p('d')).ino, env.stat(p('f')).ino];
    env.err((t) => sys.rename(t, p('d'), p('f')));
    env.err((t) => sys.rename(t, p('f'), p('d')));
    expect([env.stat(p('d')).ino, env.stat(p('f')).ino]).toEqual(before);
  });

  it('renaming a name onto another name of the same inode does nothing', () => {
    const env = Env.create(setup, { files: { a: '' } });
    env.run((t) => sys.link(t, env.p('a'), env.p('b')));
    env.run((t) => sys.rename(t, env.p('a'), env.p('b')));
    expect(env.exists(env.p('a'))).toBe(true);
    expect(env.stat(env.p('b')).nlink).toBe(2);
  });
});
