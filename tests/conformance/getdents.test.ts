/** getdents64(2): entries, types, resuming, and errors. */
import { describe, expect, it } from 'vitest';
import { DT_DIR, DT_LNK, DT_REG, sys, type Dirent } from '../../src/vfs/index.ts';
import { O_DIRECTORY, O_RDONLY } from '../../src/uapi/fcntl.ts';
import { Env, errorCases, type ErrCase } from './harness.ts';
import { SETUPS } from './setups.ts';

const ERRORS: ErrCase[] = [
  {
    name: 'getdents of a regular file',
    fx: { files: { f: '' } },
    call: function* (t, p) {
      const fd = yield* sys.open(t, p('f'), O_RDONLY);
      yield* sys.getdents(t, fd);
    },
    code: 'ENOTDIR',
    syscall: 'getdents',
    path: null,
  },
  {
    name: 'getdents with a buffer too small for one entry',
    fx: { dirs: ['d'] },
    call: function* (t, p) {
      const fd = yield* sys.open(t, p('d'), O_RDONLY);
      yield* sys.getdents(t, fd, 8);
    },
    code: 'EINVAL',
    syscall: 'getdents',
    path: null,
  },
  { name: 'getdents of a bad descriptor', call: (t) => sys.getdents(t, 77), code: 'EBADF', syscall: 'getdents', path: null },
];

function listAll(env: Env, path: string, count?: number): Dirent[] {
  return env.run(function* (t) {
    const fd = yield* sys.open(t, path, O_RDONLY | O_DIRECTORY);
    const all: Dirent[] = [];
    for (;;) {
      const batch = yield* sys.getdents(t, fd, count);
      if (batch.length === 0) break;
      all.push(...batch);
    }
    yield* sys.close(t, fd);
    return all;
  });
}

describe.each(SETUPS)('getdents on $name', (setup) => {
  describe('errors', () => errorCases(setup, ERRORS));

  it('lists . and .. and every entry with its type and inode', () => {
    const env = Env.create(setup, { dirs: ['d', 'd/sub'], files: { 'd/f': '' }, symlinks: { 'd/l': 'f' } });
    const ents = listAll(env, env.p('d'));
    const byName = new Map(ents.map((e) => [e.d_name, e]));
    expect([...byName.keys()].sort()).toEqual(['.', '..', 'f', 'l', 'sub']);
    expect(byName.get('.')!.d_ino).toBe(env.stat(env.p('d')).ino);
    expect(byName.get('..')!.d_ino).toBe(env.stat(env.p('')).ino);
    expect(byName.get('sub')!.d_type).toBe(DT_DIR);
    expect(byName.get('f')!.d_type).toBe(DT_REG);
    expect(byName.get('l')!.d_type).toBe(DT_LNK);
    expect(byName.get('f')!.d_ino).toBe(env.stat(env.p('d/f')).ino);
  });

  it('resumes across calls with a small buffer, listing each entry once', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`file-${i}`] = '';
    const env = Env.create(setup, { files });
    const names = listAll(env, env.p(''), 64).map((e) => e.d_name);
    expect(names.length).toBe(52);
    expect(new Set(names).size).toBe(52);
  });

  it('no longer lists removed entries', () => {
    const env = Env.create(setup, { files: { a: '', b: '' } });
    env.run((t) => sys.unlink(t, env.p('a')));
    expect(listAll(env, env.p('')).map((e) => e.d_name).filter((n) => !n.startsWith('.'))).toEqual(['b']);
  });
});
