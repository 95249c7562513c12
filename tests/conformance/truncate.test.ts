/** truncate(2) and ftruncate(2) (pjdfstest truncate/*, ftruncate/*; fsx size checks). */
import { describe, expect, it } from 'vitest';
import { MAX_LFS_FILESIZE, sys } from '../../src/vfs/index.ts';
import { O_RDONLY, O_RDWR } from '../../src/uapi/fcntl.ts';
import { Env, bytes, errorCases, text, type ErrCase } from './harness.ts';
import { SETUPS } from './setups.ts';

const ERRORS: ErrCase[] = [
  { name: 'truncate of a directory', fx: { dirs: ['d'] }, call: (t, p) => sys.truncate(t, p('d'), 0), code: 'EISDIR', syscall: 'truncate', path: 'd' },
  { name: 'negative length', fx: { files: { f: '' } }, call: (t, p) => sys.truncate(t, p('f'), -1), code: 'EINVAL', syscall: 'truncate', path: 'f' },
  { name: 'length past the maximum file size', fx: { files: { f: '' } }, call: (t, p) => sys.truncate(t, p('f'), MAX_LFS_FILESIZE + 2), code: 'EFBIG', syscall: 'truncate', path: 'f' },
  { name: 'by a user without write permission', fx: { files: { f: 'x' } }, asUser: true, call: (t, p) => sys.truncate(t, p('f'), 0), code: 'EACCES', syscall: 'truncate', path: 'f' },
  { name: 'of a missing file', call: (t, p) => sys.truncate(t, p('nope'), 0), code: 'ENOENT', syscall: 'truncate', path: 'nope' },
  {
    name: 'ftruncate of a read-only descriptor',
    fx: { files: { f: '' } },
    call: function* (t, p) {
      const fd = yield* sys.open(t, p('f'), O_RDONLY);
      yield* sys.ftruncate(t, fd, 0);
    },
    code: 'EINVAL',
    syscall: 'ftruncate',
    path: null,
  },
];

describe.each(SETUPS)('truncate on $name', (setup) => {
  describe('errors', () => errorCases(setup, ERRORS));

  it('sets sizes 0 → 1234567 → 567', () => {
    const env = Env.create(setup, { files: { f: '' } });
    env.run((t) => sys.truncate(t, env.p('f'), 1234567));
    expect(env.stat(env.p('f')).size).toBe(1234567);
    env.run((t) => sys.truncate(t, env.p('f'), 567));
    expect(env.stat(env.p('f')).size).toBe(567);
  });

  it('grows with zeros and shrinks, and old data never reappears', () => {
    const env = Env.create(setup, { files: { f: 'hello world' } });
    env.run((t) => sys.truncate(t, env.p('f'), 5));
    expect(env.readText(env.p('f'))).toBe('hello');
    env.run((t) => sys.truncate(t, env.p('f'), 9000));
    const all = env.readText(env.p('f'));
    expect(all.length).toBe(9000);
    expect(all.slice(0, 5)).toBe('hello');
    expect(/^\0+$/.test(all.slice(5))).toBe(true);
  });

  it('ftruncate works on a writable descriptor and advances ctime', () => {
    const env = Env.create(setup, { files: { f: 'abcdef' } });
    const before = env.stat(env.p('f')).ctime;
    const r = env.run(function* (t) {
      const fd = yield* sys.open(t, env.p('f'), O_RDWR);
      yield* sys.ftruncate(t, fd, 3);
      const buf = new Uint8Array(10);
      const n = yield* sys.pread(t, fd, buf, 0);
      yield* sys.pwrite(t, fd, bytes('Z'), 5);
      return text(buf.subarray(0, n));
    });
    expect(r).toBe('abc');
    expect(env.readText(env.p('f'))).toBe('abc\0\0Z');
    expect(env.stat(env.p('f')).ctime).toBeGreaterThan(before);
  });

  it('a failed truncate by a non-owner leaves ctime alone', () => {
    const env = Env.create(setup, { files: { f: 'x' } });
    const before = env.stat(env.p('f')).ctime;
    env.err((t) => sys.truncate(t, env.p('f'), 0), env.user());
    expect(env.stat(env.p('f')).ctime).toBe(before);
  });
});
