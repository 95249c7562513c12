/**
 * Images written by other tools read back correctly (debugfs write/mkdir/
 * symlink, mke2fs -d with an htree directory), refused and read-only
 * features, and hostile (corrupted) images that must give ErrnoError,
 * never a TypeError/RangeError or a hang.
 */
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { isErrno } from '../../src/uapi/errno.ts';
import { Ext2Fs } from '../../src/ext2/fs.ts';
import { runMke2fs } from '../../src/ext2/e2fsprogs.ts';
import { EXT2_INDEX_FL, EXT2_ROOT_INO } from '../../src/ext2/layout.ts';
import { S_ISDIR, S_ISLNK } from '../../src/uapi/stat.ts';
import { MemDevice, Prng, fsck, requireE2fsprogs, run, tmpDir } from './helpers.ts';
import { debugfsScript } from '../../src/ext2/e2fsprogs.ts';
import { ext3Release } from '../../src/modules/ext3-releases.ts';
import { sweep } from '../scale.ts';

/** Corrupted-image trials (each copies an 8 MiB image): npm test, test:full. */
const CORRUPT_TRIALS = sweep(60, 150);

/** The engine runs release 2's code (rename is module code), linked from packages/ext3-v2. */
const RELEASE = ext3Release(2);

let clock = 1_600_000_000;
const now = (): number => clock++;

function pattern(n: number, k: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 31 + k) & 0xff);
}

describe('foreign images', () => {
  it('reads a tree written by debugfs (write, mkdir, symlink)', () => {
    requireE2fsprogs();
    const { dir, cleanup } = tmpDir();
    try {
      const img = join(dir, 'img');
      runMke2fs(img, { type: 'ext2', blockSize: 1024, blocks: 8192 });
      const src = join(dir, 'src');
      writeFileSync(src, pattern(300_000, 3));
      debugfsScript(img, ['mkdir d1', 'mkdir d1/d2', `write ${src} d1/d2/big`, 'symlink s1 /d1/d2/big', `symlink s2 /${'y'.repeat(80)}`]);
      const fs = run(Ext2Fs.mount(MemDevice.fromFile(img), { logic: RELEASE, now, readOnly: true }));
      const d1 = run(fs.logic.namei.lookup(fs, EXT2_ROOT_INO, 'd1'));
      const d2 = run(fs.logic.namei.lookup(fs, d1, 'd2'));
      const big = run(fs.logic.namei.lookup(fs, d2, 'big'));
      expect(Buffer.from(run(fs.read(big, 0, 400_000))).equals(Buffer.from(pattern(300_000, 3)))).toBe(true);
      expect(run(fs.logic.namei.readlink(fs, run(fs.logic.namei.lookup(fs, EXT2_ROOT_INO, 's1'))))).toBe('/d1/d2/big');
      expect(run(fs.logic.namei.readlink(fs, run(fs.logic.namei.lookup(fs, EXT2_ROOT_INO, 's2'))))).toBe('/' + 'y'.repeat(80));
      expect(() => run(fs.logic.namei.create(fs, EXT2_ROOT_INO, 'x', 0o644, 0, 0))).toThrow(/EROFS/);
    } finally {
      cleanup();
    }
  });

  it('reads mke2fs -d trees with an htree directory, and edits it linearly', () => {
    requireE2fsprogs();
    const { dir, cleanup } = tmpDir();
    try {
      const root = join(dir, 'root');
      mkdirSync(join(root, 'many'), { recursive: true });
      for (let i = 0; i < 400; i++) writeFileSync(join(root, 'many', `file-with-a-long-name-${i}`), `content ${i}`);
      writeFileSync(join(root, 'top'), pattern(70_000, 9));
      symlinkSync('many/file-with-a-long-name-7', join(root, 'link'));
      const img = join(dir, 'img');
      runMke2fs(img, { type: 'ext3', blockSize: 1024, blocks: 16384, rootDir: root });
      // e2fsck -D rebuilds large directories as htree indexes.
      expect(fsck(img, '-fyD').status).toBeLessThanOrEqual(1);
      const dev = MemDevice.fromFile(img);
      const fs = run(Ext2Fs.mount(dev, { logic: RELEASE, now }));
      const many = run(fs.logic.namei.lookup(fs, EXT2_ROOT_INO, 'many'));
      const info = run(fs.iget(many));
      expect(info.disk.i_flags & EXT2_INDEX_FL).toBeTruthy();
      const names = run(fs.logic.namei.readdir(fs, many)).map((e) => e.name).filter((n) => n !== '.' && n !== '..');
      expect(names.length).toBe(400);
      const f7 = run(fs.logic.namei.lookup(fs, many, 'file-with-a-long-name-7'));
      expect(new TextDecoder().decode(run(fs.read(f7, 0, 100)))).toBe('content 7');
      expect(run(fs.logic.namei.readlink(fs, run(fs.logic.namei.lookup(fs, EXT2_ROOT_INO, 'link'))))).toBe('many/file-with-a-long-name-7');
      expect(Buffer.from(run(fs.read(run(fs.logic.namei.lookup(fs, EXT2_ROOT_INO, 'top')), 0, 1 << 20))).equals(Buffer.from(pattern(70_000, 9)))).toBe(true);
      run(fs.logic.namei.create(fs, many, 'new-one', 0o644, 0, 0));
      run(fs.logic.namei.unlink(fs, many, 'file-with-a-long-name-3'));
      expect(info.disk.i_flags & EXT2_INDEX_FL).toBe(0);
      run(fs.unmount());
      dev.saveTo(img);
      const c = fsck(img);
      expect(c.status, c.out).toBe(0);
    } finally {
      cleanup();
    }
  });

  it('refuses unknown incompat features and mounts unknown ro_compat read-only', () => {
    requireE2fsprogs();
    const { dir, cleanup } = tmpDir();
    try {
      const img = join(dir, 'ext4');
      runMke2fs(img, { type: 'ext2', blockSize: 4096, blocks: 4096, features: 'extent,flex_bg,64bit' });
      let err: unknown;
      try {
        run(Ext2Fs.mount(MemDevice.fromFile(img), { logic: RELEASE, now }));
      } catch (e) {
        err = e;
      }
      expect(isErrno(err, 'EINVAL')).toBe(true);
      expect(String(err)).toMatch(/extents.*64bit.*flex_bg/);
      const ro = join(dir, 'ro');
      runMke2fs(ro, { type: 'ext2', blockSize: 1024, blocks: 8192, features: 'huge_file,dir_nlink' });
      const fs = run(Ext2Fs.mount(MemDevice.fromFile(ro), { logic: RELEASE, now }));
      expect(fs.readOnly).toBe(true);
      expect(run(fs.logic.namei.readdir(fs, EXT2_ROOT_INO)).map((e) => e.name)).toContain('lost+found');
      expect(() => run(fs.logic.namei.mkdir(fs, EXT2_ROOT_INO, 'x', 0o755, 0, 0))).toThrow(/EROFS/);
    } finally {
      cleanup();
    }
  });

  it('corrupted images give ErrnoError, never a crash or a hang', () => {
    requireE2fsprogs();
    const { dir, cleanup } = tmpDir();
    try {
      const img = join(dir, 'img');
      runMke2fs(img, { type: 'ext3', blockSize: 1024, blocks: 8192, journalMiB: 1 });
      const base = MemDevice.fromFile(img);
      {
        const fs = run(Ext2Fs.mount(base, { logic: RELEASE, now }));
        const d = run(fs.logic.namei.mkdir(fs, EXT2_ROOT_INO, 'd', 0o755, 0, 0));
        for (let i = 0; i < 30; i++) {
          const f = run(fs.logic.namei.create(fs, d.ino, `f${i}`, 0o644, 0, 0));
          run(fs.write(f.ino, i * 5000, pattern(3000 + i * 100, i)));
        }
        run(fs.logic.namei.symlink(fs, d.ino, 'sl', 'z'.repeat(200), 0, 0));
        run(fs.unmount());
      }
      const r = new Prng(5);
      let errors = 0;
      // Aim at bytes in use (metadata and directory contents are mostly non-zero).
      const live: number[] = [];
      for (let i = 1024; i < 400 * 1024; i++) if (base.bytes[i] !== 0) live.push(i);
      for (let trial = 0; trial < CORRUPT_TRIALS; trial++) {
        const bytes = base.bytes.slice();
        // Flip bytes in the metadata-rich first blocks (superblock, GDT, bitmaps, inode table, dirs).
        const n = 1 + r.int(20);
        for (let k = 0; k < n; k++) bytes[r.pick(live)] = r.next() & 0xff;
        try {
          const fs = run(Ext2Fs.mount(new MemDevice(bytes), { logic: RELEASE, now }));
          walk(fs, EXT2_ROOT_INO, 0, new Set());
          run(fs.logic.namei.create(fs, EXT2_ROOT_INO, 'new', 0o644, 0, 0));
          run(fs.unmount());
        } catch (e) {
          if (!isErrno(e)) throw e;
          errors++;
        }
      }
      expect(errors).toBeGreaterThan(CORRUPT_TRIALS / 15);
    } finally {
      cleanup();
    }
  });
});

/** Read everything reachable (bounded: each directory once, depth-limited). */
function walk(fs: Ext2Fs, ino: number, depth: number, seen: Set<number>): void {
  if (depth > 20 || seen.has(ino)) return;
  seen.add(ino);
  for (const e of run(fs.logic.namei.readdir(fs, ino))) {
    if (e.name === '.' || e.name === '..') continue;
    const info = run(fs.iget(e.ino));
    if (S_ISDIR(info.disk.i_mode)) walk(fs, e.ino, depth + 1, seen);
    else if (S_ISLNK(info.disk.i_mode)) run(fs.logic.namei.readlink(fs, e.ino));
    else run(fs.read(e.ino, 0, Math.min(info.disk.i_size, 1 << 20)));
  }
}
