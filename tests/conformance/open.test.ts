/** open(2): creation modes, flags, and the errno table (pjdfstest open/*). */
import { describe, expect, it } from 'vitest';
import { sys } from '../../src/vfs/index.ts';
import { O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '../../src/uapi/fcntl.ts';
import { S_IFREG } from '../../src/uapi/stat.ts';
import { Env, errorCases, type ErrCase } from './harness.ts';
import { SETUPS } from './setups.ts';

const long = (n: number): string => 'x'.repeat(n);

const ERRORS: ErrCase[] = [
  { name: 'missing file without O_CREAT', call: (t, p) => sys.open(t, p('nope'), O_RDONLY), code: 'ENOENT', syscall: 'open', path: 'nope' },
  { name: 'O_CREAT in a missing directory', call: (t, p) => sys.open(t, p('no/f'), O_CREAT | O_WRONLY, 0o644), code: 'ENOENT', syscall: 'open', path: 'no/f' },
  { name: 'empty path', call: (t) => sys.open(t, '', O_RDONLY), code: 'ENOENT', syscall: 'open', path: '', literalPath: true },
  { name: 'regular file as a directory', fx: { files: { f: '' } }, call: (t, p) => sys.open(t, p('f/x'), O_RDONLY), code: 'ENOTDIR', syscall: 'open', path: 'f/x' },
  { name: 'O_CREAT below a regular file', fx: { files: { f: '' } }, call: (t, p) => sys.open(t, p('f/x'), O_CREAT | O_WRONLY, 0o644), code: 'ENOTDIR', syscall: 'open', path: 'f/x' },
  { name: 'O_DIRECTORY on a regular file', fx: { files: { f: '' } }, call: (t, p) => sys.open(t, p('f'), O_RDONLY | O_DIRECTORY), code: 'ENOTDIR', syscall: 'open', path: 'f' },
  { name: 'trailing slash on a regular file', fx: { files: { f: '' } }, call: (t, p) => sys.open(t, p('f/'), O_RDONLY), code: 'ENOTDIR', syscall: 'open', path: 'f/' },
  { name: '256-byte name', call: (t, p) => sys.open(t, p(long(256)), O_CREAT | O_WRONLY, 0o644), code: 'ENAMETOOLONG', syscall: 'open', path: long(256) },
  { name: 'path of PATH_MAX bytes', call: (t, p) => sys.open(t, p(('a/').repeat(2100)), O_RDONLY), code: 'ENAMETOOLONG', syscall: 'open', path: ('a/').repeat(2100) },
  { name: 'directory O_WRONLY', fx: { dirs: ['d'] }, call: (t, p) => sys.open(t, p('d'), O_WRONLY), code: 'EISDIR', syscall: 'open', path: 'd' },
  { name: 'directory O_RDWR', fx: { dirs: ['d'] }, call: (t, p) => sys.open(t, p('d'), O_RDWR), code: 'EISDIR', syscall: 'open', path: 'd' },
  { name: 'directory O_RDONLY|O_TRUNC', fx: { dirs: ['d'] }, call: (t, p) => sys.open(t, p('d'), O_RDONLY | O_TRUNC), code: 'EISDIR', syscall: 'open', path: 'd' },
  { name: 'O_CREAT on an existing directory', fx: { dirs: ['d'] }, call: (t, p) => sys.open(t, p('d'), O_CREAT | O_RDONLY, 0o644), code: 'EISDIR', syscall: 'open', path: 'd' },
  { name: 'O_CREAT with a trailing slash', call: (t, p) => sys.open(t, p('new/'), O_CREAT | O_RDONLY, 0o644), code: 'EISDIR', syscall: 'open', path: 'new/' },
  { name: 'O_EXCL on a regular file', fx: { files: { f: '' } }, call: (t, p) => sys.open(t, p('f'), O_CREAT | O_EXCL | O_WRONLY, 0o644), code: 'EEXIST', syscall: 'open', path: 'f' },
  { name: 'O_EXCL on a directory', fx: { dirs: ['d'] }, call: (t, p) => sys.open(t, p('d'), O_CREAT | O_EXCL | O_RDONLY, 0o644), code: 'EEXIST', syscall: 'open', path: 'd' },
  { name: 'O_EXCL on a symlink', fx: { files: { f: '' }, symlinks: { l: 'f' } }, call: (t, p) => sys.open(t, p('l'), O_CREAT | O_EXCL | O_WRONLY, 0o644), code: 'EEXIST', syscall: 'open', path: 'l' },
  { name: 'O_EXCL on a dangling symlink', fx: { symlinks: { l: 'missing' } }, call: (t, p) => sys.open(t, p('l'), O_CREAT | O_EXCL | O_WRONLY, 0o644), code: 'EEXIST', syscall: 'open', path: 'l' },
  { name: 'symlink loop in the middle', fx: { symlinks: { n0: 'n1', n1: 'n0' } }, call: (t, p) => sys.open(t, p('n0/test'), O_RDONLY), code: 'ELOOP', syscall: 'open', path: 'n0/test' },
  { name: 'symlink loop at the end', fx: { symlinks: { n0: 'n1', n1: 'n0' } }, call: (t, p) => sys.open(t, p('n0'), O_RDONLY), code: 'ELOOP', syscall: 'open', path: 'n0' },
  { name: 'O_NOFOLLOW on a symlink', fx: { files: { f: '' }, symlinks: { l: 'f' } }, call: (t, p) => sys.open(t, p('l'), O_RDONLY | O_NOFOLLOW), code: 'ELOOP', syscall: 'open', path: 'l' },
  { name: 'read of a 0600 file by another user', fx: { files: { f: 'x' }, modes: { f: 0o600 } }, asUser: true, call: (t, p) => sys.open(t, p('f'), O_RDONLY), code: 'EACCES', syscall: 'open', path: 'f' },
  { name: 'O_CREAT in a directory the user cannot write', asUser: true, call: (t, p) => sys.open(t, p('f'), O_CREAT | O_WRONLY, 0o644), code: 'EACCES', syscall: 'open', path: 'f' },
  { name: 'search through a 0700 directory', fx: { dirs: ['d'], files: { 'd/f': '' }, modes: { d: 0o700 } }, asUser: true, call: (t, p) => sys.open(t, p('d/f'), O_RDONLY), code: 'EACCES', syscall: 'open', path: 'd/f' },
];

describe.each(SETUPS)('open on $name', (setup) => {
  describe('errors', () => errorCases(setup, ERRORS));

  it.each([
    [0o755, 0o022, 0o755],
    [0o151, 0o077, 0o100],
    [0o345, 0o070, 0o305],
  ])('O_CREAT mode %o under umask %o gives %o', (mode, umask, want) => {
    const env = Env.create(setup);
    const st = env.run(function* (t) {
      t.umask = umask;
      const fd = yield* sys.open(t, env.p('f'), O_CREAT | O_WRONLY, mode);
      yield* sys.close(t, fd);
      return yield* sys.stat(t, env.p('f'));
    });
    expect(st.mode).toBe(S_IFREG | want);
    expect(st.nlink).toBe(1);
    expect(st.size).toBe(0);
  });

  it('accepts a 255-byte name', () => {
    const env = Env.create(setup);
    env.run(function* (t) {
      yield* sys.close(t, yield* sys.open(t, env.p(long(255)), O_CREAT | O_WRONLY, 0o644));
    });
    expect(env.exists(env.p(long(255)))).toBe(true);
  });

  it('opens a directory read-only', () => {
    const env = Env.create(setup, { dirs: ['d'] });
    const fd = env.run((t) => sys.open(t, env.p('d'), O_RDONLY | O_DIRECTORY));
    expect(fd).toBeGreaterThanOrEqual(0);
  });

  it('a file created 0444 may be opened read-write by its creator', () => {
    const env = Env.create(setup, { modes: { '': 0o777 } });
    const u = env.user();
    const fd = env.run((t) => sys.open(t, env.p('ro'), O_CREAT | O_RDWR, 0o444), u);
    expect(fd).toBeGreaterThanOrEqual(0);
    const e = env.err((t) => sys.open(t, env.p('ro'), O_RDWR), u);
    expect(e.code).toBe('EACCES');
  });

  it('O_CREAT through a dangling symlink creates the target', () => {
    const env = Env.create(setup, { symlinks: { l: 'target' } });
    env.run(function* (t) {
      yield* sys.close(t, yield* sys.open(t, env.p('l'), O_CREAT | O_WRONLY, 0o600));
    });
    expect(env.stat(env.p('target')).mode).toBe(S_IFREG | 0o600);
  });

  it('O_TRUNC empties an existing file; O_APPEND writes at the end', () => {
    const env = Env.create(setup, { files: { f: 'hello' } });
    env.run(function* (t) {
      const fd = yield* sys.open(t, env.p('f'), O_WRONLY | O_TRUNC);
      yield* sys.close(t, fd);
    });
    expect(env.stat(env.p('f')).size).toBe(0);
    env.fixture({ files: { g: 'ab' } });
    env.run(function* (t) {
      const fd = yield* sys.open(t, env.p('g'), O_WRONLY | O_APPEND);
      yield* sys.write(t, fd, new TextEncoder().encode('cd'));
      yield* sys.close(t, fd);
    });
    expect(env.readText(env.p('g'))).toBe('abcd');
  });

  it('hands out the lowest free descriptor', () => {
    const env = Env.create(setup, { files: { f: '' } });
    const fds = env.run(function* (t) {
      const a = yield* sys.open(t, env.p('f'), O_RDONLY);
      const b = yield* sys.open(t, env.p('f'), O_RDONLY);
      yield* sys.close(t, a);
      const c = yield* sys.open(t, env.p('f'), O_RDONLY);
      return [a, b, c];
    });
    expect(fds[2]).toBe(fds[0]);
    expect(fds[1]).toBe(fds[0]! + 1);
  });
});
