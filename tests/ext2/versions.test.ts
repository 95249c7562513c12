/**
 * Version hooks: v1's rename bug is caught by e2fsck, v2 and v3 are clean
 * on the same workload; exportState/importState hands a mounted fs to a new
 * engine instance (v2 -> v3 converts every cached inode, v3 -> v2 rolls back).
 */
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { Ext2Fs } from '../../src/ext2/fs.ts';
import { runMke2fs } from '../../src/ext2/e2fsprogs.ts';
import type { Ext2Release } from '../../src/ext2/release.ts';
import { ext3Release } from '../../src/modules/ext3-releases.ts';
import { exportState, importState } from '../../src/ext2/state.ts';
import { EXT2_ROOT_INO } from '../../src/ext2/layout.ts';
import { costTable } from '../../src/hw-ppc64/costs.ts';
import { MemDevice, fsck, requireE2fsprogs, run, tmpDir } from './helpers.ts';

const costs = costTable('ppc970');
import { Shadow, runWorkload, verifyTree } from './workload.ts';

// each release's engine code, linked from its package (packages/ext3-vN)
const EXT3_V1 = ext3Release(1);
const EXT3_V2 = ext3Release(2);
const EXT3_V3 = ext3Release(3);
const convertInodeV2toV3 = EXT3_V3.convertInode;
const convertInodeV3toV2 = EXT3_V2.convertInode;

let clock = 1_400_000_000;
const now = (): number => clock++;

function fresh(dir: string): MemDevice {
  const img = join(dir, 'base');
  runMke2fs(img, { type: 'ext3', blockSize: 1024, blocks: 16384 });
  return MemDevice.fromFile(img);
}

/** mkdir /a /b /a/d; rename /a/d -> /b/d; plus a random workload. */
function bugWorkload(fs: Ext2Fs): void {
  const a = run(fs.logic.namei.mkdir(fs, EXT2_ROOT_INO, 'a', 0o755, 0, 0));
  const b = run(fs.logic.namei.mkdir(fs, EXT2_ROOT_INO, 'b', 0o755, 0, 0));
  run(fs.logic.namei.mkdir(fs, a.ino, 'd', 0o755, 0, 0));
  run(fs.logic.namei.rename(fs, a.ino, 'd', b.ino, 'd'));
}

describe('module generations', () => {
  const cases: [Ext2Release, boolean][] = [[EXT3_V1, false], [EXT3_V2, true], [EXT3_V3, true]];
  for (const [logic, clean] of cases) {
    it(`${logic.name}: e2fsck ${clean ? 'clean' : 'reports the link-count bug'}`, () => {
      requireE2fsprogs();
      const { dir, cleanup } = tmpDir();
      try {
        const dev = fresh(dir);
        const fs = run(Ext2Fs.mount(dev, { now, logic }));
        bugWorkload(fs);
        if (clean) {
          const sh = Shadow.fromFs(fs);
          runWorkload(fs, sh, 31, { ops: 200, syncEvery: 20 });
          verifyTree(fs, sh);
        }
        run(fs.unmount());
        const img = join(dir, 'img');
        dev.saveTo(img);
        const r = fsck(img);
        if (clean) {
          expect(r.status, r.out).toBe(0);
        } else {
          expect(r.status).toBe(4);
          expect(r.out).toMatch(/ref count is 3, should be 2/);
          expect(r.out).toMatch(/ref count is 2, should be 3/);
        }
      } finally {
        cleanup();
      }
    });
  }

  it('v3 places a file in its reservation window while another file grows', () => {
    const { dir, cleanup } = tmpDir();
    try {
      const dev = fresh(dir);
      const fs = run(Ext2Fs.mount(dev, { now, logic: EXT3_V3 }));
      const f1 = run(fs.logic.namei.create(fs, EXT2_ROOT_INO, 'f1', 0o644, 0, 0));
      const f2 = run(fs.logic.namei.create(fs, EXT2_ROOT_INO, 'f2', 0o644, 0, 0));
      for (let i = 0; i < 8; i++) {
        run(fs.write(f1.ino, i * 1024, new Uint8Array(1024).fill(1)));
        run(fs.write(f2.ino, i * 1024, new Uint8Array(1024).fill(2)));
      }
      const w1 = f1.alloc.layout === 'rsv' ? f1.alloc.i_rsv_window : null;
      expect(w1).not.toBeNull();
      // Interleaved writers still get contiguous direct blocks.
      const b1 = f1.disk.i_block.slice(0, 8);
      expect(b1.every((b, i) => i === 0 || b === b1[i - 1]! + 1)).toBe(true);
      run(fs.unmount());
    } finally {
      cleanup();
    }
  });

  it('live update v2 -> v3 -> v2 through exportState/importState, without unmount', () => {
    requireE2fsprogs();
    const { dir, cleanup } = tmpDir();
    try {
      const dev = fresh(dir);
      const v2 = run(Ext2Fs.mount(dev, { now, logic: EXT3_V2 }));
      const sh = Shadow.fromFs(v2);
      runWorkload(v2, sh, 77, { ops: 120 });
      // An open, unlinked file must survive the handover.
      const open = run(v2.logic.namei.create(v2, EXT2_ROOT_INO, 'open-unlinked', 0o644, 0, 0));
      run(v2.write(open.ino, 0, new TextEncoder().encode('still here')));
      run(v2.logic.namei.unlink(v2, EXT2_ROOT_INO, 'open-unlinked'));
      const snap = run(exportState(v2));
      const json = JSON.parse(JSON.stringify(snap));
      expect(json.inodes.length).toBeGreaterThan(5);
      expect(json.inodes.every((i: { alloc: { layout: string } }) => i.alloc.layout === 'goal')).toBe(true);
      const v3 = run(importState(dev, json, { now, logic: EXT3_V3, cache: v2.cache, costs }));
      v2.retired = true;
      expect([...v3.icache.values()].every((i) => i.alloc.layout === 'rsv')).toBe(true);
      expect(new TextDecoder().decode(run(v3.read(open.ino, 0, 100)))).toBe('still here');
      runWorkload(v3, sh, 78, { ops: 120 });
      verifyTree(v3, sh);
      // Roll back to v2.
      const back = run(importState(dev, JSON.parse(JSON.stringify(run(exportState(v3)))), { now, logic: EXT3_V2, costs }));
      v3.retired = true;
      expect([...back.icache.values()].every((i) => i.alloc.layout === 'goal')).toBe(true);
      runWorkload(back, sh, 79, { ops: 80 });
      verifyTree(back, sh);
      run(back.logic.namei.drop(back, open.ino));
      run(back.unmount());
      const img = join(dir, 'img');
      dev.saveTo(img);
      const r = fsck(img);
      expect(r.status, r.out).toBe(0);
      expect(() => run(v2.logic.namei.lookup(v2, EXT2_ROOT_INO, 'x'))).toThrow(/retired/);
    } finally {
      cleanup();
    }
  });

  it('a live update hands the running journal over: nothing is written, the open transaction commits later in the new engine', () => {
    requireE2fsprogs();
    const { dir, cleanup } = tmpDir();
    try {
      const dev = fresh(dir);
      const v2 = run(Ext2Fs.mount(dev, { now, logic: EXT3_V2 }));
      const sh = Shadow.fromFs(v2);
      runWorkload(v2, sh, 91, { ops: 60 });
      run(v2.sync());
      // an uncommitted transaction that frees blocks (not reusable until it commits)
      const doomed = run(v2.logic.namei.create(v2, EXT2_ROOT_INO, 'doomed', 0o644, 0, 0));
      run(v2.write(doomed.ino, 0, new Uint8Array(20 * 1024).fill(7)));
      run(v2.sync());
      run(v2.logic.namei.unlink(v2, EXT2_ROOT_INO, 'doomed'));
      run(v2.logic.namei.drop(v2, doomed.ino));
      runWorkload(v2, sh, 93, { ops: 20 });
      expect(v2.journal!.isEmpty()).toBe(false);
      expect(v2.pendingFree.size).toBeGreaterThan(0);
      const writes = dev.writes;
      const commits = v2.journal!.commits;
      const snap = run(exportState(v2, { handOver: true }));
      expect(dev.writes).toBe(writes);
      expect(v2.journal!.commits).toBe(commits);
      expect(snap.pendingFree).toEqual([...v2.pendingFree].sort((a, b) => a - b));
      const json = JSON.parse(JSON.stringify(snap));
      // the snapshot alone cannot stand in for the journal it describes
      expect(() => run(importState(dev, json, { now, logic: EXT3_V3, cache: v2.cache, costs }))).toThrow(/uncommitted transaction/);
      const readsBefore = dev.reads;
      const v3 = run(importState(dev, json, { now, logic: EXT3_V3, from: v2, costs }));
      // taken over from memory: no I/O at all, and the old engine's superblock is a copy, not shared
      expect(dev.reads).toBe(readsBefore);
      expect(dev.writes).toBe(writes);
      expect(v3.sb).not.toBe(v2.sb);
      expect(v3.sb.s_free_blocks_count).toBe(v2.sb.s_free_blocks_count);
      v2.retired = true;
      expect(v3.journal).toBe(v2.journal);
      expect([...v3.pendingFree].sort((a, b) => a - b)).toEqual(snap.pendingFree);
      runWorkload(v3, sh, 92, { ops: 60 });
      verifyTree(v3, sh);
      run(v3.sync());
      expect(v3.journal!.commits).toBe(commits + 1);
      expect(v3.pendingFree.size).toBe(0);
      run(v3.unmount());
      const img = join(dir, 'img');
      dev.saveTo(img);
      const r = fsck(img);
      expect(r.status, r.out).toBe(0);
    } finally {
      cleanup();
    }
  });

  it('a hand-over is refused when the journal moved since the export, or from an engine on another device', () => {
    const { dir, cleanup } = tmpDir();
    try {
      const dev = fresh(dir);
      const v2 = run(Ext2Fs.mount(dev, { now, logic: EXT3_V2 }));
      run(v2.logic.namei.mkdir(v2, EXT2_ROOT_INO, 'd', 0o755, 0, 0));
      const snap = JSON.parse(JSON.stringify(run(exportState(v2, { handOver: true }))));
      expect(() => run(importState(fresh(dir), snap, { now, logic: EXT3_V2, from: v2, costs }))).toThrow(/same device/);
      run(v2.sync());
      expect(() => run(importState(dev, snap, { now, logic: EXT3_V2, from: v2, costs }))).toThrow(/moved since/);
    } finally {
      cleanup();
    }
  });

  it('per-inode converters round-trip the allocation goal', () => {
    const { dir, cleanup } = tmpDir();
    try {
      const fs = run(Ext2Fs.mount(fresh(dir), { now, logic: EXT3_V2 }));
      const f = run(fs.logic.namei.create(fs, EXT2_ROOT_INO, 'f', 0o644, 0, 0));
      run(fs.write(f.ino, 0, new Uint8Array(5000)));
      const v3 = convertInodeV2toV3(f);
      expect(v3.alloc.layout).toBe('rsv');
      const v2 = convertInodeV3toV2(v3);
      expect(v2.alloc).toEqual(f.alloc);
      expect(v2.disk).toBe(f.disk);
    } finally {
      cleanup();
    }
  });
});
