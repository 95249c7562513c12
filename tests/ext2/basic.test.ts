import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { Ext2Fs } from '../../src/ext2/fs.ts';
import { runMke2fs } from '../../src/ext2/e2fsprogs.ts';
import { EXT2_ROOT_INO } from '../../src/ext2/layout.ts';
import { MemDevice, fsck, requireE2fsprogs, run, tmpDir } from './helpers.ts';
import { debugfs, debugfsCat } from '../../src/ext2/e2fsprogs.ts';
import { ext3Release } from '../../src/modules/ext3-releases.ts';

/** The engine runs release 2's code (rename is module code), linked from packages/ext3-v2. */
const RELEASE = ext3Release(2);

const enc = new TextEncoder();
let clock = 1_100_000_000;
const now = (): number => clock++;

describe('ext2 engine basics on mke2fs images', () => {
  for (const type of ['ext2', 'ext3'] as const) {
    for (const bs of [1024, 4096] as const) {
      it(`${type} ${bs}: create, write, mkdir, symlink, rename, unlink; e2fsck clean`, () => {
        requireE2fsprogs();
        const { dir, cleanup } = tmpDir();
        try {
          const img = join(dir, 'img');
          runMke2fs(img, { type, blockSize: bs, blocks: bs === 1024 ? 16384 : 4096 });
          const dev = MemDevice.fromFile(img);
          const fs = run(Ext2Fs.mount(dev, { logic: RELEASE, now }));
          const a = run(fs.logic.namei.create(fs, EXT2_ROOT_INO, 'a.txt', 0o644, 0, 0));
          expect(run(fs.write(a.ino, 0, enc.encode('hello world')))).toBe(11);
          const d = run(fs.logic.namei.mkdir(fs, EXT2_ROOT_INO, 'dir', 0o755, 0, 0));
          const big = run(fs.logic.namei.create(fs, d.ino, 'big', 0o644, 0, 0));
          const data = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
          run(fs.write(big.ino, 5_000_000, data));
          run(fs.logic.namei.symlink(fs, EXT2_ROOT_INO, 'fast', 'a.txt', 0, 0));
          run(fs.logic.namei.symlink(fs, EXT2_ROOT_INO, 'slow', 'x'.repeat(100), 0, 0));
          run(fs.logic.namei.rename(fs, EXT2_ROOT_INO, 'a.txt', d.ino, 'b.txt'));
          const sub = run(fs.logic.namei.mkdir(fs, EXT2_ROOT_INO, 'sub', 0o755, 0, 0));
          run(fs.logic.namei.rename(fs, EXT2_ROOT_INO, 'sub', d.ino, 'sub2'));
          const gone = run(fs.logic.namei.create(fs, EXT2_ROOT_INO, 'gone', 0o644, 0, 0));
          run(fs.write(gone.ino, 0, new Uint8Array(50_000)));
          run(fs.logic.namei.unlink(fs, EXT2_ROOT_INO, 'gone'));
          run(fs.logic.namei.drop(fs, gone.ino));
          expect(run(fs.logic.namei.readlink(fs, run(fs.logic.namei.lookup(fs, EXT2_ROOT_INO, 'slow'))))).toBe('x'.repeat(100));
          expect(run(fs.logic.namei.lookup(fs, sub.ino, '..'))).toBe(d.ino);
          run(fs.unmount());
          dev.saveTo(img);
          const r = fsck(img);
          expect(r.out).not.toMatch(/should be|wrong|differences/);
          expect(r.status).toBe(0);
          expect(new TextDecoder().decode(debugfsCat(img, '/dir/b.txt'))).toBe('hello world');
          const got = debugfsCat(img, '/dir/big');
          expect(got.length).toBe(5_300_000);
          expect(Buffer.from(got.subarray(5_000_000)).equals(Buffer.from(data))).toBe(true);
          expect(got.subarray(0, 5_000_000).every((x) => x === 0)).toBe(true);
          expect(debugfs(img, 'stat /fast')).toMatch(/Fast link dest: "a.txt"/);
        } finally {
          cleanup();
        }
      });
    }
  }
});
