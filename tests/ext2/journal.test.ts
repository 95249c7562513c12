/**
 * ext3 journaling: our replay must produce the same blocks as e2fsck's
 * (outside the superblock and the journal), the log wraps and revokes, and
 * a power cut at any write leaves a file system that our mount or
 * `e2fsck -fy` turns consistent with every committed transaction present.
 */
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { copyFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Ext2Fs } from '../../src/ext2/fs.ts';
import { runMke2fs } from '../../src/ext2/e2fsprogs.ts';
import { e2fsprogsTool } from '../../src/ext2/e2fsprogs-path.ts';
import { bmapLookup } from '../../src/ext2/blockmap.ts';
import { EXT3_JOURNAL_INO, INCOMPAT_RECOVER } from '../../src/ext2/layout.ts';
import { CrashDevice, MemDevice, Prng, fsck, requireE2fsprogs, run, tmpDir } from './helpers.ts';
import { Shadow, runWorkload, type SNode } from './workload.ts';
import { ext3Release } from '../../src/modules/ext3-releases.ts';

/** The engine runs release 2's code (rename is module code), linked from packages/ext3-v2. */
const RELEASE = ext3Release(2);

let clock = 1_300_000_000;
const now = (): number => clock++;

/** Blocks outside the superblock and the journal differ? Returns the differing block numbers. */
function diffBlocks(a: Uint8Array, b: Uint8Array, bs: number, skip: Set<number>): number[] {
  const out: number[] = [];
  for (let blk = 0; blk * bs < a.length; blk++) {
    if (skip.has(blk)) continue;
    const x = a.subarray(blk * bs, (blk + 1) * bs);
    const y = b.subarray(blk * bs, (blk + 1) * bs);
    if (!Buffer.from(x).equals(Buffer.from(y))) out.push(blk);
  }
  return out;
}

/** Superblock block and every journal block (incl. its indirect blocks) of the image. */
function skipSet(dev: MemDevice): { bs: number; skip: Set<number> } {
  const fs = run(Ext2Fs.open(dev, { now, readOnly: true }));
  const bs = fs.blockSize;
  const skip = new Set<number>([Math.floor(1024 / bs)]);
  const j = run(fs.readInodeRaw(EXT3_JOURNAL_INO));
  const host = fs.blockMapHost(j);
  for (let l = 0; l < j.disk.i_size / bs; l++) skip.add(run(bmapLookup(host, j.disk, l)));
  for (const b of j.disk.i_block.slice(12)) if (b) skip.add(b);
  // Indirect blocks of the journal below the top level.
  const apb = bs / 4;
  if (j.disk.i_block[13]) {
    const dind = dev.bytes.subarray(j.disk.i_block[13]! * bs, (j.disk.i_block[13]! + 1) * bs);
    for (let i = 0; i < apb; i++) {
      const v = new DataView(dind.buffer, dind.byteOffset).getUint32(4 * i, true);
      if (v) skip.add(v);
    }
  }
  return { bs, skip };
}

/** Canonical description of a tree: names, kinds, sizes, link counts, symlink targets. */
function shape(sh: Shadow): string {
  const lines: string[] = [];
  const walk = (n: SNode, p: string): void => {
    for (const [name, c] of [...n.children!].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const path = `${p}/${name}`;
      // e2fsck -fy recreates a removed lost+found; it is not part of the workload's state.
      if (path === '/lost+found') continue;
      if (c.kind === 'dir') {
        lines.push(`${path} d`);
        walk(c, path);
      } else if (c.kind === 'symlink') lines.push(`${path} l ${c.target}`);
      else lines.push(`${path} f ${sh.contents.get(c.ino)!.length} ${sh.nlink.get(c.ino)}`);
    }
  };
  walk(sh.root, '');
  return lines.join('\n');
}

function makeExt3(dir: string, bs: 1024 | 4096): string {
  const img = join(dir, 'img');
  runMke2fs(img, { type: 'ext3', blockSize: bs, blocks: bs === 1024 ? 16384 : 8192, journalMiB: bs === 1024 ? 1 : 4 });
  return img;
}

describe('JBD2 journal', () => {
  for (const bs of [1024, 4096] as const) {
    it(`${bs}: our replay equals e2fsck's; the log wraps and revokes`, () => {
      requireE2fsprogs();
      const { dir, cleanup } = tmpDir();
      try {
        const img = makeExt3(dir, bs);
        const dev = MemDevice.fromFile(img);
        const fs = run(Ext2Fs.mount(dev, { logic: RELEASE, now, maxTransactionBlocks: 48 }));
        const sh = Shadow.fromFs(fs);
        runWorkload(fs, sh, 7 + bs, { ops: 500, syncEvery: 3, maxWrite: 40000 });
        run(fs.sync());
        const j = fs.journal!;
        expect(j.commits).toBeGreaterThan(20);
        expect(j.checkpoints).toBeGreaterThan(0);
        expect(j.wraps).toBeGreaterThan(0);
        expect(j.revokesWritten).toBeGreaterThan(0);
        // "Crash" here: the committed transactions are in the log, not all checkpointed.
        const crashed = dev.bytes.slice();
        const sbFlags = new DataView(crashed.buffer).getUint32(1024 + 0x60, true);
        expect(sbFlags & INCOMPAT_RECOVER).toBeTruthy();
        const ours = new MemDevice(crashed.slice());
        const again = run(Ext2Fs.mount(ours, { logic: RELEASE, now }));
        expect(again.recovery!.transactions).toBeGreaterThan(0);
        const theirsPath = join(dir, 'theirs');
        new MemDevice(crashed.slice()).saveTo(theirsPath);
        // e2fsck's replay alone (no repairs), so the two recoveries are compared like for like.
        const jo = spawnSync(e2fsprogsTool('e2fsck') ?? 'e2fsck', ['-E', 'journal_only', '-y', theirsPath], { encoding: 'utf8' });
        expect(jo.status, jo.stdout + jo.stderr).toBe(0);
        const theirs = new Uint8Array(readFileSync(theirsPath));
        const { skip } = skipSet(ours);
        expect(diffBlocks(ours.bytes, theirs, bs, skip)).toEqual([]);
        // The recovered tree is the synced one.
        expect(shape(Shadow.fromFs(again))).toBe(shape(sh));
        run(again.unmount());
        ours.saveTo(join(dir, 'ours'));
        expect(fsck(join(dir, 'ours')).status).toBe(0);
        expect(fsck(theirsPath).status).toBe(0);
      } finally {
        cleanup();
      }
    });
  }

  it('power cut at random writes: our mount and e2fsck -fy both recover a committed state', () => {
    requireE2fsprogs();
    const { dir, cleanup } = tmpDir();
    try {
      const img = makeExt3(dir, 1024);
      const pristine = MemDevice.fromFile(img);
      // Measure how many writes the full workload issues, then cut at random points in it.
      const probe = new CrashDevice(new MemDevice(pristine.bytes.slice()), Infinity);
      const pfs = run(Ext2Fs.mount(probe, { logic: RELEASE, now, maxTransactionBlocks: 40 }));
      runWorkload(pfs, Shadow.fromFs(pfs), 99, { ops: 150, syncEvery: 11 });
      const total = probe.writes;
      const r = new Prng(4242);
      for (let trial = 0; trial < 6; trial++) {
        const cut = 5 + r.int(total - 5);
        const dev = new CrashDevice(new MemDevice(pristine.bytes.slice()), cut);
        const fs = run(Ext2Fs.mount(dev, { logic: RELEASE, now, maxTransactionBlocks: 40 }));
        const sh = Shadow.fromFs(fs);
        const shapes: string[] = [shape(sh)];
        let lastDurable = 0;
        runWorkload(fs, sh, 99, {
          ops: 150,
          syncEvery: 11,
          after: (i) => {
            shapes.push(shape(sh));
            // A sync that completed before the cut makes state i+1 durable.
            if ((i + 1) % 11 === 0 && !dev.crashed) lastDurable = i + 1;
          },
        });
        const image = dev.inner.bytes.slice();
        // Our recovery.
        const ours = new MemDevice(image.slice());
        const rfs = run(Ext2Fs.mount(ours, { logic: RELEASE, now }));
        const got = shape(Shadow.fromFs(rfs));
        const at = shapes.indexOf(got, lastDurable);
        expect(at, `cut ${cut}: recovered tree is not a state at or after the last sync (${lastDurable})`).toBeGreaterThanOrEqual(lastDurable);
        run(rfs.unmount());
        const oursPath = join(dir, `ours${trial}`);
        ours.saveTo(oursPath);
        const c1 = fsck(oursPath);
        if (c1.status !== 0) console.log(c1.out);
        expect(c1.status).toBe(0);
        // e2fsck's recovery of the same image.
        const theirsPath = join(dir, `theirs${trial}`);
        new MemDevice(image.slice()).saveTo(theirsPath);
        const y = fsck(theirsPath, '-fy');
        expect(y.status, y.out).toBeLessThanOrEqual(1);
        expect(fsck(theirsPath).status).toBe(0);
        const tfs = run(Ext2Fs.mount(MemDevice.fromFile(theirsPath), { logic: RELEASE, now }));
        expect(shape(Shadow.fromFs(tfs))).toBe(got);
      }
      copyFileSync(img, join(dir, 'done'));
    } finally {
      cleanup();
    }
  });
});
