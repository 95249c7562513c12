/** symlink(2) and readlink(2), and symlinks in path walks (pjdfstest symlink/*). */
import { describe, expect, it } from 'vitest';
import { sys } from '../../src/vfs/index.ts';
import { S_IFLNK, S_IFREG } from '../../src/uapi/stat.ts';
import { Env, errorCases, type ErrCase } from './harness.ts';
import { SETUPS } from './setups.ts';

const ERRORS: ErrCase[] = [
  { name: 'symlink onto an existing file', fx: { files: { f: '' } }, call: (t, p) => sys.symlink(t, 'x', p('f')), code: 'EEXIST', syscall: 'symlink', path: 'f' },
  { name: 'symlink onto an existing symlink', fx: { symlinks: { l: 'a' } }, call: (t, p) => sys.symlink(t, 'x', p('l')), code: 'EEXIST', syscall: 'symlink', path: 'l' },
  { name: 'symlink inside a symlink loop', fx: { symlinks: { n0: 'n1', n1: 'n0' } }, call: (t, p) => sys.symlink(t, 'test', p('n0/test')), code: 'ELOOP', syscall: 'symlink', path: 'n0/test' },
  { name: 'symlink with an empty target', call: (t, p) => sys.symlink(t, '', p('l')), code: 'ENOENT', syscall: 'symlink', path: 'l' },
  { name: 'symlink with a 256-byte name', call: (t, p) => sys.symlink(t, 'x', p('l'.repeat(256))), code: 'ENAMETOOLONG', syscall: 'symlink', path: 'l'.repeat(256) },
  { name: 'readlink of a file', fx: { files: { f: '' } }, call: (t, p) => sys.readlink(t, p('f')), code: 'EINVAL', syscall: 'readlink', path: 'f' },
  { name: 'readlink of a missing name', call: (t, p) => sys.readlink(t, p('nope')), code: 'ENOENT', syscall: 'readlink', path: 'nope' },
  { name: 'stat through a dangling symlink', fx: { symlinks: { l: 'missing' } }, call: (t, p) => sys.stat(t, p('l')), code: 'ENOENT', syscall: 'stat', path: 'l' },
  { name: '41 symlinks in a chain', fx: { files: { f: '' }, symlinks: chain(41) }, call: (t, p) => sys.stat(t, p('c41')), code: 'ELOOP', syscall: 'stat', path: 'c41' },
];

/** c1 → f, c2 → c1, ..., cN → c(N-1). */
function chain(n: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 1; i <= n; i++) out[`c${i}`] = i === 1 ? 'f' : `c${i - 1}`;
  return out;
}

describe.each(SETUPS)('symlink/readlink on $name', (setup) => {
  describe('errors', () => errorCases(setup, ERRORS));

  it('creates a link readlink returns; lstat shows the link, stat the target', () => {
    const env = Env.create(setup, { files: { f: 'abc' } });
    env.run((t) => sys.symlink(t, 'f', env.p('l')));
    expect(env.run((t) => sys.readlink(t, env.p('l')))).toBe('f');
    const l = env.lstat(env.p('l'));
    expect(l.mode).toBe(S_IFLNK | 0o777);
    expect(l.size).toBe(1);
    expect(env.stat(env.p('l')).mode).toBe(S_IFREG | 0o644);
    expect(env.readText(env.p('l'))).toBe('abc');
  });

  it('follows 40 links in a chain', () => {
    const env = Env.create(setup, { files: { f: 'end' }, symlinks: chain(40) });
    expect(env.readText(env.p('c40'))).toBe('end');
  });

  it('follows absolute and directory symlinks in the middle of a path', () => {
    const env = Env.create(setup, { dirs: ['d', 'd/e'], files: { 'd/e/f': 'deep' } });
    env.run((t) => sys.symlink(t, env.p('d'), env.p('abs')));
    env.run((t) => sys.symlink(t, 'd/e', env.p('rel')));
    expect(env.readText(env.p('abs/e/f'))).toBe('deep');
    expect(env.readText(env.p('rel/f'))).toBe('deep');
    expect(env.readText(env.p('rel/../e/f'))).toBe('deep');
  });

  it('readlink cuts the body to bufsiz bytes', () => {
    const env = Env.create(setup, { symlinks: { l: 'abcdef' } });
    expect(env.run((t) => sys.readlink(t, env.p('l'), 3))).toBe('abc');
  });
});
