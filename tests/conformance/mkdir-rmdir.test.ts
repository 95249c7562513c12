/** mkdir(2) and rmdir(2) (pjdfstest mkdir/*, rmdir/*). */
import { describe, expect, it } from 'vitest';
import { sys } from '../../src/vfs/index.ts';
import { S_IFDIR } from '../../src/uapi/stat.ts';
import { Env, errorCases, type ErrCase } from './harness.ts';
import { MNT, SETUPS } from './setups.ts';

const ERRORS: ErrCase[] = [
  { name: 'mkdir on an existing file', fx: { files: { f: '' } }, call: (t, p) => sys.mkdir(t, p('f'), 0o755), code: 'EEXIST', syscall: 'mkdir', path: 'f' },
  { name: 'mkdir on an existing directory', fx: { dirs: ['d'] }, call: (t, p) => sys.mkdir(t, p('d'), 0o755), code: 'EEXIST', syscall: 'mkdir', path: 'd' },
  { name: 'mkdir on a symlink', fx: { symlinks: { l: 'nowhere' } }, call: (t, p) => sys.mkdir(t, p('l'), 0o755), code: 'EEXIST', syscall: 'mkdir', path: 'l' },
  { name: 'mkdir of .', fx: { dirs: ['d'] }, call: (t, p) => sys.mkdir(t, p('d/.'), 0o755), code: 'EEXIST', syscall: 'mkdir', path: 'd/.' },
  { name: 'mkdir in a missing directory', call: (t, p) => sys.mkdir(t, p('no/d'), 0o755), code: 'ENOENT', syscall: 'mkdir', path: 'no/d' },
  { name: 'mkdir below a file', fx: { files: { f: '' } }, call: (t, p) => sys.mkdir(t, p('f/d'), 0o755), code: 'ENOTDIR', syscall: 'mkdir', path: 'f/d' },
  { name: 'mkdir of a 256-byte name', call: (t, p) => sys.mkdir(t, p('d'.repeat(256)), 0o755), code: 'ENAMETOOLONG', syscall: 'mkdir', path: 'd'.repeat(256) },
  { name: 'mkdir by a user in a root directory', asUser: true, call: (t, p) => sys.mkdir(t, p('d'), 0o755), code: 'EACCES', syscall: 'mkdir', path: 'd' },
  { name: 'rmdir of a directory holding a file', fx: { dirs: ['d'], files: { 'd/f': '' } }, call: (t, p) => sys.rmdir(t, p('d')), code: 'ENOTEMPTY', syscall: 'rmdir', path: 'd' },
  { name: 'rmdir of a directory holding a directory', fx: { dirs: ['d', 'd/e'] }, call: (t, p) => sys.rmdir(t, p('d')), code: 'ENOTEMPTY', syscall: 'rmdir', path: 'd' },
  { name: 'rmdir of a directory holding a symlink', fx: { dirs: ['d'], symlinks: { 'd/l': 'x' } }, call: (t, p) => sys.rmdir(t, p('d')), code: 'ENOTEMPTY', syscall: 'rmdir', path: 'd' },
  { name: 'rmdir of d/.', fx: { dirs: ['d'] }, call: (t, p) => sys.rmdir(t, p('d/.')), code: 'EINVAL', syscall: 'rmdir', path: 'd/.' },
  { name: 'rmdir of d/s/..', fx: { dirs: ['d', 'd/s'] }, call: (t, p) => sys.rmdir(t, p('d/s/..')), code: 'ENOTEMPTY', syscall: 'rmdir', path: 'd/s/..' },
  { name: 'rmdir of a file', fx: { files: { f: '' } }, call: (t, p) => sys.rmdir(t, p('f')), code: 'ENOTDIR', syscall: 'rmdir', path: 'f' },
  { name: 'rmdir of a missing name', call: (t, p) => sys.rmdir(t, p('nope')), code: 'ENOENT', syscall: 'rmdir', path: 'nope' },
  { name: 'rmdir of a mount point', call: (t) => sys.rmdir(t, MNT), code: 'EBUSY', syscall: 'rmdir', path: MNT, literalPath: true },
  { name: 'rmdir by a user in a root directory', fx: { dirs: ['d'] }, asUser: true, call: (t, p) => sys.rmdir(t, p('d')), code: 'EACCES', syscall: 'rmdir', path: 'd' },
];

describe.each(SETUPS)('mkdir/rmdir on $name', (setup) => {
  describe('errors', () => errorCases(setup, ERRORS));

  it.each([
    [0o755, 0o022, 0o755],
    [0o151, 0o077, 0o100],
    [0o345, 0o070, 0o305],
    [0o1777, 0o022, 0o1755],
  ])('mkdir mode %o under umask %o gives %o', (mode, umask, want) => {
    const env = Env.create(setup);
    const st = env.run(function* (t) {
      t.umask = umask;
      yield* sys.mkdir(t, env.p('d'), mode);
      return yield* sys.stat(t, env.p('d'));
    });
    expect(st.mode).toBe(S_IFDIR | want);
  });

  it('counts links: a new directory has 2, and adds one to its parent', () => {
    const env = Env.create(setup, { dirs: ['p'] });
    expect(env.stat(env.p('p')).nlink).toBe(2);
    env.run((t) => sys.mkdir(t, env.p('p/c'), 0o755));
    expect(env.stat(env.p('p')).nlink).toBe(3);
    expect(env.stat(env.p('p/c')).nlink).toBe(2);
    env.run((t) => sys.rmdir(t, env.p('p/c')));
    expect(env.stat(env.p('p')).nlink).toBe(2);
    expect(env.exists(env.p('p/c'))).toBe(false);
  });

  it('a trailing slash is fine for mkdir and rmdir', () => {
    const env = Env.create(setup);
    env.run((t) => sys.mkdir(t, env.p('d/'), 0o755));
    env.run((t) => sys.rmdir(t, env.p('d//')));
    expect(env.exists(env.p('d'))).toBe(false);
  });

  it('creating in a removed working directory gives ENOENT', () => {
    const env = Env.create(setup, { dirs: ['d'] });
    const e = env.err(function* (t) {
      yield* sys.chdir(t, env.p('d'));
      yield* sys.rmdir(t, env.p('d'));
      yield* sys.mkdir(t, 'x', 0o755);
    });
    expect(e.code).toBe('ENOENT');
  });
});
