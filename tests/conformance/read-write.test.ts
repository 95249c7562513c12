/** read(2), write(2), pread/pwrite, lseek(2), fsync(2) (fsx-style checks). */
import { describe, expect, it } from 'vitest';
import { sys } from '../../src/vfs/index.ts';
import { fdget } from '../../src/vfs/sys/common.ts';
import { O_APPEND, O_CREAT, O_RDONLY, O_RDWR, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET } from '../../src/uapi/fcntl.ts';
import { Env, bytes, errorCases, text, type ErrCase } from './harness.ts';
import { SETUPS } from './setups.ts';

const ERRORS: ErrCase[] = [
  {
    name: 'read of a write-only descriptor',
    fx: { files: { f: 'x' } },
    call: function* (t, p) {
      const fd = yield* sys.open(t, p('f'), O_WRONLY);
      yield* sys.read(t, fd, new Uint8Array(4));
    },
    code: 'EBADF',
    syscall: 'read',
    path: null,
  },
  {
    name: 'write of a read-only descriptor',
    fx: { files: { f: 'x' } },
    call: function* (t, p) {
      const fd = yield* sys.open(t, p('f'), O_RDONLY);
      yield* sys.write(t, fd, bytes('y'));
    },
    code: 'EBADF',
    syscall: 'write',
    path: null,
  },
  {
    name: 'read of a directory',
    fx: { dirs: ['d'] },
    call: function* (t, p) {
      const fd = yield* sys.open(t, p('d'), O_RDONLY);
      yield* sys.read(t, fd, new Uint8Array(4));
    },
    code: 'EISDIR',
    syscall: 'read',
    path: null,
  },
  { name: 'read of a closed descriptor', call: (t) => sys.read(t, 99, new Uint8Array(1)), code: 'EBADF', syscall: 'read', path: null },
  { name: 'close of a closed descriptor', call: (t) => sys.close(t, 42), code: 'EBADF', syscall: 'close', path: null },
  {
    name: 'lseek to a negative offset',
    fx: { files: { f: 'x' } },
    call: function* (t, p) {
      const fd = yield* sys.open(t, p('f'), O_RDONLY);
      yield* sys.lseek(t, fd, -5, SEEK_SET);
    },
    code: 'EINVAL',
    syscall: 'lseek',
    path: null,
  },
];

describe.each(SETUPS)('read/write/lseek on $name', (setup) => {
  describe('errors', () => errorCases(setup, ERRORS));

  it('writes and reads back; read at EOF returns 0; the position moves', () => {
    const env = Env.create(setup);
    const r = env.run(function* (t) {
      const fd = yield* sys.open(t, env.p('f'), O_CREAT | O_RDWR, 0o644);
      const w = yield* sys.write(t, fd, bytes('hello world'));
      const at = yield* sys.lseek(t, fd, 0, SEEK_CUR);
      yield* sys.lseek(t, fd, 6, SEEK_SET);
      const buf = new Uint8Array(100);
      const n = yield* sys.read(t, fd, buf);
      const eof = yield* sys.read(t, fd, buf);
      yield* sys.fsync(t, fd);
      yield* sys.close(t, fd);
      return { w, at, got: text(buf.subarray(0, n)), eof };
    });
    expect(r).toEqual({ w: 11, at: 11, got: 'world', eof: 0 });
  });

  it('pread and pwrite leave the position alone', () => {
    const env = Env.create(setup, { files: { f: 'abcdef' } });
    const r = env.run(function* (t) {
      const fd = yield* sys.open(t, env.p('f'), O_RDWR);
      yield* sys.pwrite(t, fd, bytes('XY'), 2);
      const buf = new Uint8Array(3);
      yield* sys.pread(t, fd, buf, 1);
      const pos = yield* sys.lseek(t, fd, 0, SEEK_CUR);
      return { mid: text(buf), pos };
    });
    expect(r).toEqual({ mid: 'bXY', pos: 0 });
    expect(env.readText(env.p('f'))).toBe('abXYef');
  });

  it('O_APPEND writes at the end whatever the position', () => {
    const env = Env.create(setup, { files: { f: 'ab' } });
    env.run(function* (t) {
      const fd = yield* sys.open(t, env.p('f'), O_WRONLY | O_APPEND);
      yield* sys.lseek(t, fd, 0, SEEK_SET);
      yield* sys.write(t, fd, bytes('cd'));
      yield* sys.write(t, fd, bytes('ef'));
    });
    expect(env.readText(env.p('f'))).toBe('abcdef');
  });

  it('generic_write_checks: a write ending past s_maxbytes is EFBIG and writes nothing', () => {
    const env = Env.create(setup, { files: { f: 'ab' } });
    const r = env.run(function* (t) {
      const fd = yield* sys.open(t, env.p('f'), O_RDWR);
      const max = fdget(t, fd).f_inode.i_sb.s_maxbytes;
      yield* sys.lseek(t, fd, max - 1, SEEK_SET);
      let code = '';
      try {
        yield* sys.write(t, fd, bytes('yz'));
      } catch (e) {
        code = (e as { code: string }).code;
      }
      const size = yield* sys.lseek(t, fd, 0, SEEK_END);
      return { code, grew: size !== 2 };
    });
    expect(r).toEqual({ code: 'EFBIG', grew: false });
  });

  it('a write past EOF leaves a hole of zeros; SEEK_END finds the size', () => {
    const env = Env.create(setup, { files: { f: 'a' } });
    const end = env.run(function* (t) {
      const fd = yield* sys.open(t, env.p('f'), O_RDWR);
      yield* sys.lseek(t, fd, 10000, SEEK_SET);
      yield* sys.write(t, fd, bytes('z'));
      return yield* sys.lseek(t, fd, 0, SEEK_END);
    });
    expect(end).toBe(10001);
    const all = env.readText(env.p('f'));
    expect(all[0]).toBe('a');
    expect(all[10000]).toBe('z');
    expect(all.slice(1, 10000)).toBe('\0'.repeat(9999));
  });

  it('moves data across page boundaries intact', () => {
    const env = Env.create(setup);
    const data = new Uint8Array(3 * 4096 + 123).map((_, i) => (i * 7 + 3) & 0xff);
    const back = env.run(function* (t) {
      const fd = yield* sys.open(t, env.p('big'), O_CREAT | O_RDWR, 0o644);
      yield* sys.pwrite(t, fd, data.subarray(0, 5000), 0);
      yield* sys.pwrite(t, fd, data.subarray(5000), 5000);
      const out = new Uint8Array(data.length);
      const n = yield* sys.pread(t, fd, out, 0);
      return out.subarray(0, n);
    });
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
  });
});
