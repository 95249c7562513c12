/**
 * Block and inode allocation, strictly through the bitmaps: every bit that
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
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import { clearBit, findFirstZero, setBit, testBit } from './bitmap.ts';
import { groupBlockCount, groupFirstBlock } from './group.ts';
import type { Ext2InodeInfo } from './inode-info.ts';
import { COST } from './layout.ts';
import type { Ext2Fs } from './fs.ts';

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
          yield* fs.dirtyMeta(bh);
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
  yield* fs.dirtyMeta(bh);
  fs.journal?.forgetMetadata(blk);
  if (!fs.journal) fs.cache.forget(blk);
}

/** Choose the groups to try for a new inode, best first. */
function inodeGroupOrder(fs: Ext2Fs, parentGroup: number, dir: boolean): number[] {
  const n = fs.geo.groupCount;
  const order: number[] = [];
  if (dir) {
    // Spread directories (a simplified Orlov): among groups with at least the
    // average free inodes and blocks, the one with the fewest directories.
    let freeI = 0;
    let freeB = 0;
    for (const gd of fs.gds) {
      freeI += gd.bg_free_inodes_count;
      freeB += gd.bg_free_blocks_count;
    }
    const avgI = freeI / n;
    const avgB = freeB / n;
    let best = -1;
    for (let k = 0; k < n; k++) {
      const g = (parentGroup + k) % n;
      const gd = fs.gds[g]!;
      if (gd.bg_free_inodes_count === 0 || gd.bg_free_inodes_count < avgI || gd.bg_free_blocks_count < avgB) continue;
      if (best < 0 || gd.bg_used_dirs_count < fs.gds[best]!.bg_used_dirs_count) best = g;
    }
    if (best >= 0) order.push(best);
  }
  for (let k = 0; k < n; k++) order.push((parentGroup + k) % n);
  return order;
}

/**
 * Before a free bitmap bit is handed out, the inode it stands for must not be
 * live (ext4 __ext4_new_inode: "failed to insert inode N: doubly allocated?",
 * EFSCORRUPTED = EUCLEAN): an image whose bitmap wrongly marks a live inode
 * free would otherwise give one inode two owners (a second name for a
 * directory, a file overwritten by a new one). The bitmap is left as found.
 */
function* refuseLiveInode(fs: Ext2Fs, ino: number): Sim<void> {
  const live = fs.icache.get(ino) ?? (yield* fs.readInodeRaw(ino));
  if (live.disk.i_links_count > 0) {
    throw errno('EUCLEAN', `inode ${ino} is free in the inode bitmap but in use in the inode table (doubly allocated?)`);
  }
}

/** Allocate an inode number (bitmap + group counts). Throws ENOSPC, or EUCLEAN for a live inode marked free. */
export function* allocInode(fs: Ext2Fs, parentGroup: number, dir: boolean): Sim<number> {
  const sb = fs.sb;
  const ipg = sb.s_inodes_per_group;
  for (const g of inodeGroupOrder(fs, parentGroup, dir)) {
    const gd = fs.gds[g]!;
    if (gd.bg_free_inodes_count === 0) continue;
    const bh = yield* fs.cache.bread(gd.bg_inode_bitmap);
    const bgl = fs.bgLock(g);
    yield* bgl.lock();
    let i = -1;
    try {
      // (re-checked under the lock: another thread may have taken the last one)
      if (gd.bg_free_inodes_count > 0) {
        // Inodes below s_first_ino are reserved (they live in group 0 or 1).
        const from = Math.max(0, sb.s_first_ino - 1 - g * ipg);
        const scanned = { bytes: 0 };
        i = findFirstZero(bh.data, from, ipg, scanned);
        yield Math.ceil(scanned.bytes / 4) * COST.bitmapWord;
        if (i >= 0) {
          yield* refuseLiveInode(fs, g * ipg + i + 1);
          setBit(bh.data, i);
          gd.bg_free_inodes_count--;
          if (dir) gd.bg_used_dirs_count++;
          sb.s_free_inodes_count = Math.max(0, sb.s_free_inodes_count - 1);
          yield* fs.writeGroupDesc(g);
        }
      }
    } finally {
      yield* bgl.unlock();
    }
    if (i >= 0) {
      yield* fs.dirtyMeta(bh);
      return g * ipg + i + 1;
    }
  }
  throw errno('ENOSPC');
}

/** Clear inode `ino`'s bitmap bit and fix the group counts. */
export function* freeInodeBit(fs: Ext2Fs, ino: number, dir: boolean): Sim<void> {
  const sb = fs.sb;
  const ipg = sb.s_inodes_per_group;
  const g = Math.floor((ino - 1) / ipg);
  const gd = fs.gds[g]!;
  const bh = yield* fs.cache.bread(gd.bg_inode_bitmap);
  const i = (ino - 1) % ipg;
  const bgl = fs.bgLock(g);
  yield* bgl.lock();
  try {
    yield COST.bitmapWord;
    if (!testBit(bh.data, i)) throw errno('EUCLEAN', `freeing inode ${ino} which is already free`);
    clearBit(bh.data, i);
    gd.bg_free_inodes_count++;
    if (dir && gd.bg_used_dirs_count > 0) gd.bg_used_dirs_count--;
    sb.s_free_inodes_count++;
    yield* fs.writeGroupDesc(g);
  } finally {
    yield* bgl.unlock();
  }
  yield* fs.dirtyMeta(bh);
}
