/**
 * Superblock life cycle through the module: mount bumps the mount count
 * and stamps the mount time from the simulated clock, a clean shutdown
 * leaves the file system clean with its write time; statfs agrees with the
 * image; an unlinked file stays readable while open and is freed at its
 * last close.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sys } from '../../../src/vfs/index.ts';
import { O_CREAT, O_RDWR } from '../../../src/uapi/fcntl.ts';
import { shutdownSystem } from '../../../src/system/boot.ts';
import { FIXED_TIME as EXT3_EPOCH } from '../../../src/ext2/e2fsprogs.ts';

/** s_magic of ext2/ext3 (include/uapi/linux/magic.h). */
const EXT3_SUPER_MAGIC = 0xef53;
import { bootExt3, fsck, saveImage, tmpDir } from './helpers.ts';
import { debugfs } from '../../../src/ext2/e2fsprogs.ts';

const field = (stats: string, name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(stats)?.[1]?.trim() ?? '';

describe('ext3 superblock', () => {
  it('mount count, mount/write times from the simulated clock, clean state, statfs', () => {
    const { s, disk } = bootExt3(3);
    const sf = s.exec((t) => sys.statfs(t, '/'));
    expect(sf.f_type).toBe(EXT3_SUPER_MAGIC);
    expect(sf.f_bsize).toBe(1024);
    expect(sf.f_blocks).toBe(16384);
    s.exec(function* (t) {
      const fd = yield* sys.open(t, '/f', O_CREAT | O_RDWR, 0o644);
      yield* sys.write(t, fd, new Uint8Array(10_000).fill(1));
      yield* sys.close(t, fd);
    });
    const after = s.exec((t) => sys.statfs(t, '/'));
    expect(sf.f_bfree - after.f_bfree).toBe(10); // 10 data blocks, no indirect block yet
    expect(sf.f_ffree - after.f_ffree).toBe(1);
    const seconds = Math.floor(s.engine.now / (s.engine.cyclesPerUs * 1e6));
    shutdownSystem(s);
    const { dir, cleanup } = tmpDir();
    try {
      const img = join(dir, 'img');
      saveImage(disk, img);
      expect(fsck(img).status).toBe(0);
      const st = debugfs(img, 'stats');
      expect(field(st, 'Filesystem state')).toBe('clean');
      expect(field(st, 'Mount count')).toBe('1');
      expect(field(st, 'Free blocks')).toBe(String(after.f_bfree));
      expect(field(st, 'Filesystem features')).toMatch(/has_journal/);
      expect(field(st, 'Filesystem features')).not.toMatch(/needs_recovery/);
      const toEpoch = (text: string): number => Date.parse(`${text} UTC`) / 1000;
      expect(toEpoch(field(st, 'Last mount time'))).toBe(EXT3_EPOCH);
      expect(toEpoch(field(st, 'Last write time'))).toBe(EXT3_EPOCH + seconds);
    } finally {
      cleanup();
    }
  });

  it('an unlinked open file stays readable and is freed at its last close', () => {
    const { s, disk } = bootExt3(2);
    const base = s.exec((t) => sys.statfs(t, '/'));
    const r = s.exec(function* (t) {
      const fd = yield* sys.open(t, '/tmpfile', O_CREAT | O_RDWR, 0o644);
      yield* sys.write(t, fd, new TextEncoder().encode('x'.repeat(50_000)));
      const fd2 = yield* sys.open(t, '/tmpfile', O_RDWR);
      yield* sys.unlink(t, '/tmpfile');
      const st = yield* sys.fstat(t, fd);
      const held = yield* sys.statfs(t, '/');
      yield* sys.close(t, fd);
      const buf = new Uint8Array(10);
      const n = yield* sys.pread(t, fd2, buf, 49_995);
      const stillHeld = yield* sys.statfs(t, '/');
      yield* sys.close(t, fd2);
      const freed = yield* sys.statfs(t, '/');
      return { nlink: st.nlink, n, held: base.f_ffree - held.f_ffree, stillHeld: base.f_ffree - stillHeld.f_ffree, freed: freed.f_bfree - base.f_bfree, ffree: freed.f_ffree - base.f_ffree };
    });
    expect(r).toEqual({ nlink: 0, n: 5, held: 1, stillHeld: 1, freed: 0, ffree: 0 });
    shutdownSystem(s);
    const { dir, cleanup } = tmpDir();
    try {
      const img = join(dir, 'img');
      saveImage(disk, img);
      const f = fsck(img);
      expect(f.status, f.out).toBe(0);
      expect(f.out).toContain('11/4096 files');
    } finally {
      cleanup();
    }
  });
});
