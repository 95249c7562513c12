/**
 * fsstress-style oracle: random workloads on images from mke2fs (several
 * geometries and feature sets) and from our own mkfs; afterwards our reads
 * match the shadow model, `e2fsck -fn` exits 0, and debugfs (rdump, ls -l)
 * sees the same tree and bytes.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ext2Fs } from '../../src/ext2/fs.ts';
import { mkfs } from '../../src/ext2/mkfs.ts';
import { runMke2fs, type Mke2fsOptions } from '../../src/ext2/e2fsprogs.ts';
import { MemDevice, fsck, requireE2fsprogs, run, tmpDir } from './helpers.ts';
import { debugfs } from '../../src/ext2/e2fsprogs.ts';
import { Shadow, runWorkload, verifyTree, type SNode } from './workload.ts';
import { ext3Release } from '../../src/modules/ext3-releases.ts';

/** The engine runs release 2's code (rename is module code), linked from packages/ext3-v2. */
const RELEASE = ext3Release(2);

let clock = 1_200_000_000;
const now = (): number => clock++;

/** Compare debugfs's rdump of the image with the shadow. */
function compareRdump(img: string, out: string, sh: Shadow): void {
  mkdirSync(out);
  debugfs(img, `rdump / ${out}`);
  const walk = (dir: SNode, host: string): void => {
    const names = readdirSync(host).sort();
    expect(names).toEqual([...dir.children!.keys()].sort());
    for (const [name, n] of dir.children!) {
      const p = join(host, name);
      if (n.kind === 'dir') walk(n, p);
      else if (n.kind === 'symlink') expect(readlinkSync(p)).toBe(n.target);
      else {
        expect(lstatSync(p).isFile()).toBe(true);
        expect(Buffer.from(readFileSync(p)).equals(Buffer.from(sh.contents.get(n.ino)!))).toBe(true);
      }
    }
  };
  walk(sh.root, out);
}

/** debugfs `ls -l /` must list the same inode numbers, modes and sizes as our readdir + iget. */
function compareLs(fs: Ext2Fs, img: string): void {
  const lines = debugfs(img, 'ls -l /').split('\n').filter((l) => l.trim());
  const theirs = new Map<string, string>();
  for (const l of lines) {
    const m = /^\s*(\d+)\s+(\d+)\s+\((\d+)\)\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s+\S+\s+(.*)$/.exec(l);
    if (m) theirs.set(m[7]!, `${m[1]} ${m[2]} ${m[6]}`);
  }
  for (const e of run(fs.logic.namei.readdir(fs, 2))) {
    const info = run(fs.iget(e.ino));
    expect(theirs.get(e.name)).toBe(`${e.ino} ${info.disk.i_mode.toString(8)} ${info.disk.i_size}`);
  }
}

interface Config {
  name: string;
  mke2fs?: Mke2fsOptions;
  mkfs?: { blockSize: 1024 | 2048 | 4096; journal: boolean; bytes: number; inodeSize?: 128 | 256 };
}

const CONFIGS: Config[] = [
  { name: 'mke2fs ext2 1K default features, 2 groups', mke2fs: { type: 'ext2', blockSize: 1024, blocks: 12000 } },
  { name: 'mke2fs ext3 4K 256-byte inodes', mke2fs: { type: 'ext3', blockSize: 4096, blocks: 8192 } },
  { name: 'mke2fs ext2 2K -O none,filetype, 3 groups, 128-byte inodes', mke2fs: { type: 'ext2', blockSize: 2048, blocks: 40000, features: 'none,filetype', inodeSize: 128 } },
  { name: 'mke2fs ext2 rev 0 (no filetype)', mke2fs: { type: 'ext2', blockSize: 1024, blocks: 8192, revision0: true } },
  { name: 'mke2fs ext3 1K small journal, 4 groups', mke2fs: { type: 'ext3', blockSize: 1024, blocks: 30000, journalMiB: 1 } },
  { name: 'built-in mkfs ext3 1K', mkfs: { blockSize: 1024, journal: true, bytes: 24 << 20 } },
  { name: 'built-in mkfs ext2 4K 256-byte inodes', mkfs: { blockSize: 4096, journal: false, bytes: 48 << 20, inodeSize: 256 } },
];

describe('fsstress-like workloads, checked by e2fsck and debugfs', () => {
  CONFIGS.forEach((cfg, ci) => {
    it(cfg.name, () => {
      requireE2fsprogs();
      const { dir, cleanup } = tmpDir();
      try {
        const img = join(dir, 'img');
        let dev: MemDevice;
        if (cfg.mke2fs) {
          runMke2fs(img, cfg.mke2fs);
          dev = MemDevice.fromFile(img);
        } else {
          const m = cfg.mkfs!;
          dev = MemDevice.ofSize(m.bytes);
          run(mkfs(dev, { blockSize: m.blockSize, journal: m.journal, now: 1_150_000_000, ...(m.inodeSize ? { inodeSize: m.inodeSize } : {}) }));
          dev.saveTo(img);
          expect(fsck(img).status).toBe(0);
        }
        for (const seed of [1, 2]) {
          const fs = run(Ext2Fs.mount(dev, { logic: RELEASE, now }));
          // Each round starts from the tree on disk (lost+found, or what the last seed left).
          const sh = Shadow.fromFs(fs);
          runWorkload(fs, sh, 1000 * ci + seed, { ops: 220, syncEvery: 37 });
          verifyTree(fs, sh);
          run(fs.unmount());
          dev.saveTo(img);
          const r = fsck(img);
          if (r.status !== 0) console.log(r.out);
          expect(r.status).toBe(0);
          const out = join(dir, `rdump${seed}`);
          compareRdump(img, out, sh);
          const again = run(Ext2Fs.mount(dev, { logic: RELEASE, now }));
          verifyTree(again, sh);
          compareLs(again, img);
          run(again.unmount());
        }
        expect(existsSync(img)).toBe(true);
      } finally {
        cleanup();
      }
    });
  });
});

