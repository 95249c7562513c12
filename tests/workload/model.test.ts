import { describe, it, expect } from 'vitest';
import { PosixModel, digest } from '../../src/workload/model.ts';
import { patternBytes, type FsOp } from '../../src/workload/fsstress.ts';

function run(ops: FsOp[]): (string | number | null)[] {
  const m = new PosixModel();
  m.mkdirp('/t');
  return ops.map((op) => {
    const r = m.apply(op);
    return r.ok ? r.value : r.errno;
  });
}

describe('POSIX reference model', () => {
  it.each<[string, FsOp[], (string | number | null)[]]>([
    ['create twice', [{ kind: 'create', path: '/t/a', mode: 0o644 }, { kind: 'create', path: '/t/a', mode: 0o644 }], [null, 'EEXIST']],
    ['create in missing dir', [{ kind: 'create', path: '/t/x/a', mode: 0o644 }], ['ENOENT']],
    ['create under a file', [{ kind: 'create', path: '/t/a', mode: 0o644 }, { kind: 'create', path: '/t/a/b', mode: 0o644 }], [null, 'ENOTDIR']],
    ['O_EXCL on a dangling symlink', [{ kind: 'symlink', target: '/t/nowhere', path: '/t/s' }, { kind: 'create', path: '/t/s', mode: 0o644 }], [null, 'EEXIST']],
    ['unlink a directory is EISDIR', [{ kind: 'mkdir', path: '/t/d', mode: 0o755 }, { kind: 'unlink', path: '/t/d' }], [null, 'EISDIR']],
    ['rmdir non-empty', [{ kind: 'mkdir', path: '/t/d', mode: 0o755 }, { kind: 'create', path: '/t/d/f', mode: 0o644 }, { kind: 'rmdir', path: '/t/d' }], [null, null, 'ENOTEMPTY']],
    ['rename into own subtree', [{ kind: 'mkdir', path: '/t/d', mode: 0o755 }, { kind: 'mkdir', path: '/t/d/e', mode: 0o755 }, { kind: 'rename', from: '/t/d', to: '/t/d/e/f' }], [null, null, 'EINVAL']],
    ['rename dir onto file', [{ kind: 'mkdir', path: '/t/d', mode: 0o755 }, { kind: 'create', path: '/t/f', mode: 0o644 }, { kind: 'rename', from: '/t/d', to: '/t/f' }], [null, null, 'ENOTDIR']],
    ['rename file onto dir', [{ kind: 'mkdir', path: '/t/d', mode: 0o755 }, { kind: 'create', path: '/t/f', mode: 0o644 }, { kind: 'rename', from: '/t/f', to: '/t/d' }], [null, null, 'EISDIR']],
    ['symlink loop', [{ kind: 'symlink', target: '/t/b', path: '/t/a' }, { kind: 'symlink', target: '/t/a', path: '/t/b' }, { kind: 'stat', path: '/t/a' }], [null, null, 'ELOOP']],
    ['link counts', [{ kind: 'create', path: '/t/f', mode: 0o644 }, { kind: 'link', from: '/t/f', to: '/t/g' }, { kind: 'stat', path: '/t/f' }, { kind: 'unlink', path: '/t/g' }, { kind: 'stat', path: '/t/f' }], [null, null, 'file 0 2', null, 'file 0 1']],
    ['link of a directory', [{ kind: 'mkdir', path: '/t/d', mode: 0o755 }, { kind: 'link', from: '/t/d', to: '/t/e' }], [null, 'EPERM']],
    ['dir link counts follow a cross-directory rename', [
      { kind: 'mkdir', path: '/t/a', mode: 0o755 }, { kind: 'mkdir', path: '/t/b', mode: 0o755 }, { kind: 'mkdir', path: '/t/a/s', mode: 0o755 },
      { kind: 'rename', from: '/t/a/s', to: '/t/b/s' }, { kind: 'stat', path: '/t/a' }, { kind: 'stat', path: '/t/b' }, { kind: 'stat', path: '/t/b/s/..' },
    ], [null, null, null, null, 'dir - 2', 'dir - 3', 'dir - 3']],
    ['write past EOF leaves a zero hole; truncate shrinks', [
      { kind: 'create', path: '/t/f', mode: 0o644 }, { kind: 'write', path: '/t/f', offset: 10, length: 5, seed: 7 }, { kind: 'stat', path: '/t/f' },
      { kind: 'truncate', path: '/t/f', size: 12 }, { kind: 'read', path: '/t/f', offset: 0, length: 100 },
    ], [null, 5, 'file 15 1', null, digest(new Uint8Array([...new Uint8Array(10), ...patternBytes(7, 5).subarray(0, 2)]))]],
    ['readdir sorted', [{ kind: 'create', path: '/t/b', mode: 0o644 }, { kind: 'mkdir', path: '/t/a', mode: 0o755 }, { kind: 'readdir', path: '/t' }], [null, null, 'a b']],
    ['name too long', [{ kind: 'create', path: '/t/' + 'x'.repeat(256), mode: 0o644 }, { kind: 'create', path: '/t/' + 'x'.repeat(255), mode: 0o644 }], ['ENAMETOOLONG', null]],
  ])('%s', (_n, ops, expected) => {
    expect(run(ops)).toEqual(expected);
  });
});
