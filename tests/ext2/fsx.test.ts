/**
 * fsx-style test on one file: random reads, writes (often past EOF, leaving
 * holes), truncates up and down; every read is checked against an in-memory
 * copy and the size after every operation. Then e2fsck and debugfs agree.
 */
import { describe, it, expect } from 'vitest';
import { sweep } from '../scale.ts';
import { join } from 'node:path';
import { Ext2Fs } from '../../src/ext2/fs.ts';
import { runMke2fs } from '../../src/ext2/e2fsprogs.ts';
import { EXT2_ROOT_INO } from '../../src/ext2/layout.ts';
import { MemDevice, Prng, fsck, requireE2fsprogs, run, tmpDir } from './helpers.ts';
import { debugfsCat } from '../../src/ext2/e2fsprogs.ts';
import { ext3Release } from '../../src/modules/ext3-releases.ts';

/** The engine runs release 2's code (rename is module code), linked from packages/ext3-v2. */
const RELEASE = ext3Release(2);

let clock = 1_500_000_000;
const now = (): number => clock++;

const FSX_OPS = sweep(1000, 2500);

describe('fsx', () => {
  for (const [type, bs, seed] of [['ext2', 1024, 11], ['ext3', 4096, 12]] as const) {
    it(`${type} ${bs}: ${FSX_OPS} random ops on one file`, () => {
      requireE2fsprogs();
      const { dir, cleanup } = tmpDir();
      try {
        const img = join(dir, 'img');
        runMke2fs(img, { type, blockSize: bs, blocks: bs === 1024 ? 65536 : 16384 });
        const dev = MemDevice.fromFile(img);
        const fs = run(Ext2Fs.mount(dev, { logic: RELEASE, now }));
        const f = run(fs.logic.namei.create(fs, EXT2_ROOT_INO, 'fsx', 0o644, 0, 0));
        const r = new Prng(seed);
        // The model: a growable buffer plus its logical length.
        let good = new Uint8Array(1 << 20);
        let size = 0;
        const MAX = bs === 1024 ? 3 << 20 : 6 << 20; // crosses into double-indirect blocks
        const ensure = (n: number): void => {
          if (n <= good.length) return;
          const g = new Uint8Array(Math.max(n, good.length * 2));
          g.set(good.subarray(0, size));
          good = g;
        };
        for (let i = 0; i < FSX_OPS; i++) {
          const op = r.int(10);
          if (op < 4) {
            const off = r.int(size + 1 + (r.int(4) === 0 ? 200_000 : 0));
            const len = r.int(r.int(3) === 0 ? 70_000 : 5000);
            const got = run(fs.read(f.ino, off, len));
            const want = good.subarray(Math.min(off, size), Math.min(off + len, size));
            expect(got.length).toBe(want.length);
            if (!Buffer.from(got).equals(Buffer.from(want))) throw new Error(`READ BAD DATA op ${i} off ${off} len ${len}`);
          } else if (op < 8) {
            const off = r.int(4) === 0 ? size + r.int(300_000) : r.int(size + 1);
            const len = 1 + r.int(r.int(3) === 0 ? 60_000 : 4000);
            if (off + len > MAX) continue;
            const data = r.bytes(len);
            expect(run(fs.write(f.ino, off, data))).toBe(len);
            ensure(off + len);
            if (off > size) good.fill(0, size, off);
            good.set(data, off);
            size = Math.max(size, off + len);
          } else {
            const ns = r.int(2) ? r.int(size + 1) : Math.min(MAX, size + r.int(400_000));
            run(fs.truncate(f.ino, ns));
            ensure(ns);
            if (ns > size) good.fill(0, size, ns);
            size = ns;
          }
          if (f.disk.i_size !== size) throw new Error(`Size error op ${i}: ${f.disk.i_size} != ${size}`);
          if (i % 500 === 499) run(fs.sync());
        }
        run(fs.unmount());
        dev.saveTo(img);
        const c = fsck(img);
        expect(c.status, c.out).toBe(0);
        const dumped = debugfsCat(img, '/fsx');
        expect(dumped.length).toBe(size);
        expect(Buffer.from(dumped).equals(Buffer.from(good.subarray(0, size)))).toBe(true);
      } finally {
        cleanup();
      }
    });
  }
});
