/**
 * The VFS dispatch contract: slots are looked up at every call (a patched
 * slot takes effect at once, for existing instances too), missing slots give
 * Linux's errno or the generic helper, re-pointing i_op/f_op works, and the
 * dcache keeps negative entries.
 */
import { describe, expect, it } from 'vitest';
import { Engine, type Sim } from '../../src/sim/index.ts';
import { bootSystem, type System } from '../../src/system/boot.ts';
import { d_lookup, sys, type FileOperations, type InodeOperations, type OpenFile } from '../../src/vfs/index.ts';
import { O_CREAT, O_RDONLY, O_RDWR } from '../../src/uapi/fcntl.ts';

function fresh(): System {
  return bootSystem({ engine: new Engine({ cpus: 1, seed: 1 }), procfs: false });
}

describe('VFS dispatch', () => {
  it('reads the slot at every call: patching a table affects an already open file', () => {
    const s = fresh();
    const mod = s.modules.get('ramfs')!;
    const fops = mod.table('ramfs_file_operations') as FileOperations;
    const r = s.exec(function* (t) {
      const fd = yield* sys.open(t, '/f', O_CREAT | O_RDWR, 0o644);
      yield* sys.write(t, fd, new TextEncoder().encode('abc'));
      const orig = fops.read!;
      let calls = 0;
      fops.read = function* (file: OpenFile, buf: Uint8Array, ppos: { pos: number }): Sim<number> {
        calls++;
        return yield* orig(file, buf, ppos);
      };
      const buf = new Uint8Array(3);
      const n = yield* sys.pread(t, fd, buf, 0);
      fops.read = orig;
      yield* sys.pread(t, fd, buf, 0);
      return { n, calls };
    });
    expect(r).toEqual({ n: 3, calls: 1 });
  });

  it('gives Linux errnos for missing slots', () => {
    const s = fresh();
    const dops = s.modules.get('ramfs')!.table('ramfs_dir_inode_operations') as InodeOperations;
    const saved = { ...dops };
    delete dops.mkdir;
    delete dops.create;
    delete dops.link;
    const codes = s.exec(function* (t) {
      const out: string[] = [];
      for (const f of [() => sys.mkdir(t, '/d', 0o755), () => sys.open(t, '/f', O_CREAT | O_RDWR, 0o644), () => sys.link(t, '/', '/x')]) {
        try {
          yield* f();
        } catch (e) {
          out.push((e as Error & { code: string }).code);
        }
      }
      return out;
    });
    Object.assign(dops, saved);
    expect(codes).toEqual(['EPERM', 'EACCES', 'EPERM']);
  });

  it('an instance re-pointed at another table is served by it', () => {
    const s = fresh();
    const r = s.exec(function* (t) {
      const fd = yield* sys.open(t, '/f', O_CREAT | O_RDWR, 0o644);
      const file = t.fds[fd]!;
      const other: FileOperations = { ...file.f_op, read: function* () { return 99; } };
      file.f_op = other;
      return yield* sys.read(t, fd, new Uint8Array(1));
    });
    expect(r).toBe(99);
  });

  it('caches a failed lookup as a negative dentry, and creation makes it positive', () => {
    const s = fresh();
    const root = s.kernel.mounts.root!.mnt_root;
    s.exec(function* (t) {
      try {
        yield* sys.stat(t, '/ghost');
      } catch {
        /* ENOENT */
      }
    });
    const neg = d_lookup(root, 'ghost');
    expect(neg).toBeDefined();
    expect(neg!.d_inode).toBeNull();
    s.exec((t) => sys.mkdir(t, '/ghost', 0o755));
    expect(d_lookup(root, 'ghost')!.d_inode).not.toBeNull();
  });

  it('charges modelled cycles per syscall deterministically', () => {
    const cycles = (): number => {
      const s = fresh();
      const t0 = s.engine.now;
      s.exec(function* (t) {
        yield* sys.mkdir(t, '/a', 0o755);
        const fd = yield* sys.open(t, '/a/f', O_CREAT | O_RDWR, 0o644);
        yield* sys.write(t, fd, new Uint8Array(1000));
        yield* sys.close(t, fd);
        yield* sys.stat(t, '/a/f');
        yield* sys.close(t, yield* sys.open(t, '/a/f', O_RDONLY));
      });
      return s.engine.now - t0;
    };
    const a = cycles();
    expect(a).toBeGreaterThan(0);
    expect(cycles()).toBe(a);
  });
});
