/**
 * ext3's block allocator (Linux fs/ext3/balloc.c ext3_new_block,
 * ext3_free_blocks), strictly through the bitmaps: every bit that
 * changes is matched, in the same operation, by its group descriptor count
 * (and the in-memory superblock total), and both blocks join the running
 * transaction (ext3) or are marked dirty (ext2).
 *
 * Blocks freed in the running transaction are not reused until it commits
 * (`Ext2Fs.pendingFree`): their last committed owner may still need them
 * after a crash. With the v3 layout, blocks inside another inode's
 * reservation window are passed over while any other free block exists.
 *
 * Locking: each group's bits and counts change only under its bg_lock
 * (Ext2Fs.bgLock, Linux's sb_bgl_lock); the bitmap block is read before the
 * lock is taken and joins the transaction after it is dropped. Group
 * choice reads counts without the lock (a hint, re-checked under it).
 */
import {
  COST, clearBit, errno, findFirstZero, groupBlockCount, groupFirstBlock, setBit, testBit,
  type Ext2BlockAllocator, type Ext2Fs, type Ext2InodeInfo, type Sim,
} from 'modswap/kernel';

/** Group of block `blk`. */
export function blockGroup(fs: Ext2Fs, blk: number): number {
  return Math.floor((blk - fs.sb.s_first_data_block) / fs.sb.s_blocks_per_group);
}

/** Is `blk` inside a reservation window that belongs to an inode other than `owner`? */
function inOtherWindow(fs: Ext2Fs, blk: number, owner: number): boolean {
  for (const [ino, w] of fs.rsvWindows) {
    if (ino !== owner && blk >= w.start && blk <= w.end) return true;
  }
  return false;
}

/**
 * Allocate one block, as near after `goal` as possible (same group first,
 * then the following groups, wrapping). Throws ENOSPC.
 */
export function* allocBlock(fs: Ext2Fs, goal: number, owner: Ext2InodeInfo | undefined): Sim<number> {
  const sb = fs.sb;
  const ngroups = fs.geo.groupCount;
  if (!(goal >= sb.s_first_data_block && goal < sb.s_blocks_count)) goal = sb.s_first_data_block;
  const g0 = blockGroup(fs, goal);
  const ownerIno = owner?.ino ?? 0;
  const useWindows = fs.rsvWindows.size > 0;
  for (const respectWindows of useWindows ? [true, false] : [false]) {
    for (let k = 0; k <= ngroups; k++) {
      const g = (g0 + k) % ngroups;
      const gd = fs.gds[g]!;
      if (gd.bg_free_blocks_count === 0) continue;
      const first = groupFirstBlock(sb, g);
      const limit = groupBlockCount(sb, g);
      // The goal group is searched from the goal, then (k === ngroups) from its start.
      let from = k === 0 ? goal - first : 0;
      const to = k === ngroups ? Math.max(goal - first, 0) : limit;
      if (k === ngroups && g !== g0) continue;
      const bh = yield* fs.cache.bread(gd.bg_block_bitmap);
      const bgl = fs.bgLock(g);
      yield* bgl.lock();
      try {
        const blk = yield* claimBlock(fs, g, bh.data, from, to, respectWindows, ownerIno);
        if (blk >= 0) {
          fs.markMeta(bh);
          return blk;
        }
      } finally {
        yield* bgl.unlock();
      }
    }
  }
  throw errno('ENOSPC');
}

/**
 * Find and claim a free block of group `g` in bits [from, to): set its bit
 * and take it off the counts. -1 if none. Caller holds the group's bg_lock.
 */
function* claimBlock(fs: Ext2Fs, g: number, map: Uint8Array, from: number, to: number, respectWindows: boolean, ownerIno: number): Sim<number> {
  const gd = fs.gds[g]!;
  if (gd.bg_free_blocks_count === 0) return -1;
  const first = groupFirstBlock(fs.sb, g);
  const scanned = { bytes: 0 };
  while (from < to) {
    const i = findFirstZero(map, from, to, scanned);
    if (i < 0) break;
    const blk = first + i;
    if (fs.pendingFree.has(blk) || (respectWindows && inOtherWindow(fs, blk, ownerIno))) {
      from = i + 1;
      continue;
    }
    yield Math.ceil(scanned.bytes / 4) * COST.bitmapWord;
    setBit(map, i);
    gd.bg_free_blocks_count--;
    fs.sb.s_free_blocks_count = Math.max(0, fs.sb.s_free_blocks_count - 1);
    yield* fs.writeGroupDesc(g);
    return blk;
  }
  yield Math.ceil(scanned.bytes / 4) * COST.bitmapWord;
  return -1;
}

/** Return block `blk` to its group. Freeing a free block means the image is corrupt. */
export function* freeBlock(fs: Ext2Fs, blk: number): Sim<void> {
  const sb = fs.sb;
  if (blk < sb.s_first_data_block || blk >= sb.s_blocks_count) throw errno('EUCLEAN', `freeing block ${blk} outside the file system`);
  const g = blockGroup(fs, blk);
  const gd = fs.gds[g]!;
  const bh = yield* fs.cache.bread(gd.bg_block_bitmap);
  const i = blk - groupFirstBlock(sb, g);
  const bgl = fs.bgLock(g);
  yield* bgl.lock();
  try {
    yield COST.bitmapWord;
    if (!testBit(bh.data, i)) throw errno('EUCLEAN', `freeing block ${blk} which is already free`);
    clearBit(bh.data, i);
    gd.bg_free_blocks_count++;
    sb.s_free_blocks_count++;
    if (fs.journal) {
      // not reusable until the transaction that freed it commits
      fs.pendingFree.add(blk);
      fs.journal.noteFreed(blk);
    }
    yield* fs.writeGroupDesc(g);
  } finally {
    yield* bgl.unlock();
  }
  fs.markMeta(bh);
  fs.journal?.forgetMetadata(blk);
  if (!fs.journal) fs.cache.forget(blk);
}

/** The block allocator every release binds (Ext2Release.balloc: the engine's block-map host calls it). */
export const ext3_balloc: Ext2BlockAllocator = { allocBlock, freeBlock };
