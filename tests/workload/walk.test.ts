/**
 * The fast way to many cached inodes (the live-update bench's 1M point):
 * an image from mke2fs -d of a generated host tree, booted, and a walk that
 * instantiates every inode through the syscalls.
 */
import { describe, it, expect } from 'vitest';
import { rmSync } from 'node:fs';
import { e2fsckFile, manyFilesImage } from '../../src/ext2/e2fsprogs.ts';
import { buildSystem } from '../../src/system/build.ts';
import { runThread } from '../../src/sim/run-thread.ts';
import { instantiateTree } from '../../src/workload/walk.ts';
import type { Ext2Fs } from '../../src/ext2/fs.ts';

describe('manyFilesImage + instantiateTree', () => {
  it('every file of the image ends up cached: a VFS inode and an engine inode each; e2fsck -fn clean', () => {
    const img = manyFilesImage(300, 32);
    try {
      expect(img.dirs).toBe(10);
      expect(e2fsckFile(img.path)?.status).toBe(0);
      const b = buildSystem({ cpus: 2, seed: 1, fs: 'ext3', ext3Version: 2, strategy: 'counter-percpu', image: img.path });
      const n = runThread(b.machine.engine, 'walk', () => instantiateTree(b.system.init, '/'));
      // 300 files, 10 directories, lost+found
      expect(n).toBe(311);
      const mod = b.system.modules.get('ext3')!;
      // plus the root directory
      expect(mod.instances.inodes().length).toBe(312);
      const fs = (b.system.kernel.mounts.root!.mnt_sb.s_fs_info as { fs: Ext2Fs }).fs;
      expect(fs.icache.size).toBeGreaterThanOrEqual(312);
      b.shutdown();
      expect(e2fsckFile(img.path)?.status).toBe(0);
    } finally {
      rmSync(img.dir, { recursive: true, force: true });
    }
  });
});
