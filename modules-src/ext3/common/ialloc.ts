/**
 * ext3's inode allocator (Linux fs/ext3/ialloc.c ext3_new_inode,
 * ext3_free_inode): inode numbers strictly through the inode bitmaps, each
 * bit matched in the same operation by its group's counts (free inodes,
 * used directories) and the in-memory superblock total; and the release of
 * an inode with no names left (its blocks, its xattr block reference, its
 * bitmap bit).
 *
 * Locking: a group's bits and counts change only under its bg_lock
 * (Ext2Fs.bgLock); the bitmap block is read before the lock is taken and
 * joins the transaction after it is dropped. Freeing an inode's blocks
 * takes its truncate_mutex. Callers hold a JBD2 handle. May block.
 */
import {
  COST, S_ISDIR, clearBit, errno, findFirstZero, hasBlockMap, le32, setBit, testBit, truncateBlocks,
  type Ext2Fs, type Ext2InodeInfo, type Sim,
} from 'modswap/kernel';

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
  const cached = fs.icache.get(ino);
  const links = cached ? cached.disk.i_links_count : yield* fs.readInodeLinks(ino);
  if (links > 0) {
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
      fs.markMeta(bh);
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
  fs.markMeta(bh);
}

/**
 * Free an inode with no names: its blocks, its xattr block reference, its
 * bitmap bit; i_dtime records when (ext2_free_inode / ext2_evict_inode).
 */
export function* freeInode(fs: Ext2Fs, info: Ext2InodeInfo): Sim<void> {
  const d = info.disk;
  const dir = S_ISDIR(d.i_mode);
  if (hasBlockMap(fs, info)) {
    const tm = fs.truncateMutex(info);
    yield* tm.lock();
    try {
      yield* truncateBlocks(fs.blockMapHost(info), d, 0);
    } finally {
      yield* tm.unlock();
    }
  }
  if (d.i_file_acl) yield* releaseXattrBlock(fs, info);
  d.i_size = 0;
  d.i_links_count = 0;
  d.i_dtime = fs.now();
  if (!hasBlockMap(fs, info)) {
    // Fast symlink text or a device number: clear it so nothing reads it as blocks.
    for (let i = 0; i < d.i_block.length; i++) d.i_block[i] = 0;
    d.i_blocks = 0;
  }
  yield* fs.writeInode(info);
  yield* freeInodeBit(fs, info.ino, dir);
  fs.allocFor(info).discardReservation(fs, info);
}

/** Drop one reference to a shared extended-attribute block (h_refcount at byte 4). */
function* releaseXattrBlock(fs: Ext2Fs, info: Ext2InodeInfo): Sim<void> {
  const blk = info.disk.i_file_acl;
  fs.blockMapHost(info).checkBlock(blk, 'xattr block');
  const bh = yield* fs.cache.bread(blk);
  if (le32(bh.data, 0) !== 0xea020000) throw errno('EUCLEAN', `inode ${info.ino}: bad xattr block ${blk}`);
  const ref = le32(bh.data, 4);
  const host = fs.blockMapHost(info);
  if (ref <= 1) {
    yield* host.freeBlock(blk, true);
  } else {
    const v = ref - 1;
    bh.data[4] = v & 0xff;
    bh.data[5] = (v >>> 8) & 0xff;
    bh.data[6] = (v >>> 16) & 0xff;
    bh.data[7] = (v >>> 24) & 0xff;
    fs.markMeta(bh);
  }
  info.disk.i_blocks = Math.max(0, info.disk.i_blocks - fs.blockSize / 512);
  info.disk.i_file_acl = 0;
}
