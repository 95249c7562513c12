/**
 * Errno behaviour of the inode-level API, the host-file BlockDevice, and
 * the modelled CPU cost being charged.
 */
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { Ext2Fs } from '../../src/ext2/fs.ts';
import { mkfs } from '../../src/ext2/mkfs.ts';
import { runMke2fs } from '../../src/ext2/e2fsprogs.ts';
import { EXT2_ROOT_INO } from '../../src/ext2/layout.ts';
import { S_IFIFO } from '../../src/uapi/stat.ts';
import { FileDevice, MemDevice, fsck, requireE2fsprogs, run, runCounting, tmpDir } from './helpers.ts';
import { ext3Release } from '../../src/modules/ext3-releases.ts';

/** The engine runs release 2's code (rename is module code), linked from packages/ext3-v2. */
const RELEASE = ext3Release(2);

let clock = 1_700_000_000;
const now = (): number => clock++;
const R = EXT2_ROOT_INO;

describe('errors and devices', () => {
  it('gives the Linux errno for invalid operations', () => {
    requireE2fsprogs();
    const dev = MemDevice.ofSize(4 << 20);
    run(mkfs(dev, { blockSize: 1024, journal: false, now: 1_650_000_000, inodes: 32 }));
    const fs = run(Ext2Fs.mount(dev, { logic: RELEASE, now }));
    const d = run(fs.logic.namei.mkdir(fs, R, 'd', 0o755, 0, 0));
    run(fs.logic.namei.create(fs, d.ino, 'f', 0o644, 0, 0));
    expect(() => run(fs.logic.namei.create(fs, R, 'n'.repeat(256), 0o644, 0, 0))).toThrow(/ENAMETOOLONG/);
    expect(() => run(fs.logic.namei.mkdir(fs, R, 'd', 0o755, 0, 0))).toThrow(/EEXIST/);
    expect(() => run(fs.logic.namei.rmdir(fs, R, 'd'))).toThrow(/ENOTEMPTY/);
    expect(() => run(fs.logic.namei.unlink(fs, R, 'd'))).toThrow(/EISDIR/);
    expect(() => run(fs.logic.namei.lookup(fs, R, 'nope'))).toThrow(/ENOENT/);
    expect(() => run(fs.logic.namei.link(fs, d.ino, R, 'dl'))).toThrow(/EPERM/);
    expect(() => run(fs.logic.namei.rename(fs, R, 'd', d.ino, 'inside'))).toThrow(/EINVAL/);
    expect(() => run(fs.logic.namei.symlink(fs, R, 's', 'x'.repeat(1024), 0, 0))).toThrow(/ENAMETOOLONG/);
    const f = run(fs.logic.namei.lookup(fs, d.ino, 'f'));
    expect(() => run(fs.truncate(f, 2 ** 40))).toThrow(/EFBIG/);
    expect(() => run(fs.truncate(d.ino, 0))).toThrow(/EISDIR/);
    const fifo = run(fs.logic.namei.create(fs, R, 'fifo', S_IFIFO | 0o644, 0, 0));
    expect(fifo.disk.i_mode & 0o170000).toBe(S_IFIFO);
    // Out of inodes.
    expect(() => {
      for (let i = 0; i < 64; i++) run(fs.logic.namei.create(fs, R, `i${i}`, 0o644, 0, 0));
    }).toThrow(/ENOSPC/);
    // Out of blocks: a short write, then ENOSPC.
    const big = run(fs.logic.namei.lookup(fs, d.ino, 'f'));
    const wrote = run(fs.write(big, 0, new Uint8Array(8 << 20)));
    expect(wrote).toBeGreaterThan(0);
    expect(wrote).toBeLessThan(8 << 20);
    expect(() => run(fs.write(big, wrote, new Uint8Array(4096)))).toThrow(/ENOSPC/);
    const st = fs.statfs();
    expect(st.f_bfree).toBe(0);
    run(fs.unmount());
    const { dir, cleanup } = tmpDir();
    try {
      const img = join(dir, 'img');
      dev.saveTo(img);
      const c = fsck(img);
      expect(c.status, c.out).toBe(0);
    } finally {
      cleanup();
    }
  });

  it('works over a host image file and charges modelled CPU', () => {
    requireE2fsprogs();
    const { dir, cleanup } = tmpDir();
    try {
      const img = join(dir, 'img');
      runMke2fs(img, { type: 'ext3', blockSize: 2048, blocks: 8192 });
      const dev = new FileDevice(img);
      const fs = run(Ext2Fs.mount(dev, { logic: RELEASE, now }));
      const f = run(fs.logic.namei.create(fs, R, 'f', 0o644, 0, 0));
      const { cycles } = runCounting(fs.write(f.ino, 0, new Uint8Array(100_000).fill(7)));
      expect(cycles).toBeGreaterThan(10_000);
      run(fs.setattr(f.ino, { mode: 0o600, uid: 1000, gid: 100, mtime: 1234 }));
      expect(f.disk.i_mode & 0o7777).toBe(0o600);
      run(fs.unmount());
      dev.close();
      const c = fsck(img);
      expect(c.status, c.out).toBe(0);
      const fs2 = run(Ext2Fs.mount(new FileDevice(img), { logic: RELEASE, now }));
      const f2 = run(fs2.iget(run(fs2.logic.namei.lookup(fs2, R, 'f'))));
      expect([f2.disk.i_uid, f2.disk.i_gid, f2.disk.i_mtime]).toEqual([1000, 100, 1234]);
      expect(run(fs2.read(f2.ino, 99_990, 100)).length).toBe(10);
      run(fs2.unmount());
    } finally {
      cleanup();
    }
  });
});
