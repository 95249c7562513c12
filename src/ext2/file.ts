/**
 * File data: read, write (holes when writing past EOF), truncate (grow with
 * holes, shrink freeing data and indirect blocks), attribute changes, and
 * the release of an inode with no names left.
 *
 * Invariant kept for sparse files: the bytes of the last block past i_size
 * are zero (truncate zeroes them), so growing a file never exposes old data.
 * Data blocks are written through the cache and reach the disk before the
 * transaction that maps them commits (data=ordered).
 *
 * Locking: the caller holds the inode's i_rwsem (the VFS or the glue:
 * exclusive to write or truncate, shared to read) and, for changes, a JBD2
 * handle; the block map changes under the inode's truncate_mutex, and
 * allocation takes the block groups' locks (alloc.ts).
 *
 * Block placement is the module's (release.ts `Ext2AllocPolicy`): the engine
 * asks the policy that keeps the inode's layout for a goal and tells it what it got.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import { freeInodeBit } from './alloc.ts';
import { bmapCreate, bmapLookup, maxFileBlocks, truncateBlocks } from './blockmap.ts';
import type { Ext2Fs } from './fs.ts';
import type { Ext2InodeInfo, GoalAllocState, InodeAllocState } from './inode-info.ts';
import type { Ext2AllocPolicy } from './release.ts';
import { COST, le32 } from './layout.ts';
import { S_ISDIR, S_ISLNK, S_ISREG } from '../uapi/stat.ts';
import { S_IFMT } from '../uapi/stat.ts';

/** Blocks per write transaction chunk: a long write commits in pieces, each consistent. */
const WRITE_CHUNK_BLOCKS = 64;

/** Largest file size this geometry can map (and i_blocks can count). */
export function maxFileSize(fs: Ext2Fs): number {
  const bs = fs.blockSize;
  const byMap = maxFileBlocks(fs.geo.addrPerBlock) * bs;
  const byIBlocks = 0xffffffff * 512 - bs * 4; // i_blocks is 32 bits of 512-byte units
  return Math.min(byMap, byIBlocks, 2 ** 53);
}

/** Does this inode's i_block hold block pointers (not a fast symlink or a device number)? */
export function hasBlockMap(fs: Ext2Fs, info: Ext2InodeInfo): boolean {
  const m = info.disk.i_mode;
  if (S_ISREG(m) || S_ISDIR(m)) return true;
  if (S_ISLNK(m)) return !isFastSymlink(fs, info);
  return false;
}

export function isFastSymlink(fs: Ext2Fs, info: Ext2InodeInfo): boolean {
  const eaSectors = info.disk.i_file_acl ? fs.blockSize / 512 : 0;
  return S_ISLNK(info.disk.i_mode) && info.disk.i_blocks - eaSectors === 0;
}

/**
 * Fallback goal for logical block `lblk`: the block after the previous
 * logical block, else the start of the inode's group (every policy ends here).
 */
export function* fallbackGoal(fs: Ext2Fs, info: Ext2InodeInfo, lblk: number): Sim<number> {
  if (lblk > 0) {
    const prev = yield* bmapLookup(fs.blockMapHost(info), info.disk, lblk - 1);
    if (prev) return prev + 1;
  }
  return fs.sb.s_first_data_block + info.i_block_group * fs.sb.s_blocks_per_group;
}

function goalState(info: Ext2InodeInfo): GoalAllocState {
  if (info.alloc.layout !== 'goal') throw new Error(`inode ${info.ino}: '${info.alloc.layout}' allocation state under the goal allocator`);
  return info.alloc;
}

/**
 * The generic goal allocator (ext2's i_next_alloc_block/i_next_alloc_goal):
 * the next block of a sequential write goes after the last one. A kernel
 * library a release may bind as its policy; release 3 brings its own.
 */
export const goalAllocPolicy: Ext2AllocPolicy = {
  layout: 'goal',
  initialAllocState: (): InodeAllocState => ({ layout: 'goal', i_next_alloc_block: 0, i_next_alloc_goal: 0 }),
  *dataGoal(fs: Ext2Fs, info: Ext2InodeInfo, lblk: number): Sim<number> {
    const a = goalState(info);
    if (lblk === a.i_next_alloc_block && a.i_next_alloc_goal) return a.i_next_alloc_goal;
    return yield* fallbackGoal(fs, info, lblk);
  },
  noteAllocated(_fs: Ext2Fs, info: Ext2InodeInfo, lblk: number, blk: number): void {
    const a = goalState(info);
    a.i_next_alloc_block = lblk + 1;
    a.i_next_alloc_goal = blk + 1;
  },
  hasReservation: () => false,
  discardReservation(): void {},
  truncated(_fs: Ext2Fs, info: Ext2InodeInfo): void {
    const a = goalState(info);
    a.i_next_alloc_block = a.i_next_alloc_goal = 0;
  },
};

/** Read up to `len` bytes at `off` (short at EOF; holes read as zeros). */
export function* readFile(fs: Ext2Fs, info: Ext2InodeInfo, off: number, len: number): Sim<Uint8Array> {
  if (off < 0 || len < 0 || !Number.isSafeInteger(off) || !Number.isSafeInteger(len)) throw errno('EINVAL');
  if (S_ISDIR(info.disk.i_mode)) throw errno('EISDIR');
  const size = info.disk.i_size;
  if (off >= size) return new Uint8Array(0);
  const end = Math.min(size, off + len);
  const out = new Uint8Array(end - off);
  const bs = fs.blockSize;
  const host = fs.blockMapHost(info);
  for (let pos = off; pos < end; ) {
    const lblk = Math.floor(pos / bs);
    const inBlk = pos - lblk * bs;
    const n = Math.min(bs - inBlk, end - pos);
    const blk = yield* bmapLookup(host, info.disk, lblk);
    if (blk !== 0) {
      const bh = yield* fs.cache.bread(blk);
      out.set(bh.data.subarray(inBlk, inBlk + n), pos - off);
    }
    yield Math.ceil(n / 1024) * COST.copyKiB;
    pos += n;
  }
  return out;
}

/** Write `data` at `off`, allocating blocks; returns bytes written (short only on ENOSPC). */
export function* writeFile(fs: Ext2Fs, info: Ext2InodeInfo, off: number, data: Uint8Array): Sim<number> {
  if (off < 0 || !Number.isSafeInteger(off)) throw errno('EINVAL');
  if (S_ISDIR(info.disk.i_mode)) throw errno('EISDIR');
  if (!S_ISREG(info.disk.i_mode)) throw errno('EINVAL', 'write to a non-regular inode');
  if (data.length === 0) return 0;
  if (off + data.length > maxFileSize(fs)) throw errno('EFBIG');
  const bs = fs.blockSize;
  const host = fs.blockMapHost(info);
  const end = off + data.length;
  let pos = off;
  let chunk = 0;
  const tm = fs.truncateMutex(info);
  try {
    while (pos < end) {
      const lblk = Math.floor(pos / bs);
      const inBlk = pos - lblk * bs;
      const n = Math.min(bs - inBlk, end - pos);
      // ext3_get_blocks_handle: the block map changes under the inode's truncate_mutex
      yield* tm.lock();
      let blk: number;
      let created: boolean;
      try {
        // (the goal is an argument, not a named closure: tsx's keepNames would name each one)
        ({ blk, created } = yield* bmapCreate(host, info.disk, lblk, () => fs.allocFor(info).dataGoal(fs, info, lblk)));
        if (created) fs.allocFor(info).noteAllocated(fs, info, lblk, blk);
      } finally {
        yield* tm.unlock();
      }
      // (a created block's buffer is already zeroed by the block-map host's allocBlock)
      const bh = created || n === bs ? fs.cache.getblk(blk) : yield* fs.cache.bread(blk);
      bh.data.set(data.subarray(pos - off, pos - off + n), inBlk);
      fs.cache.markDirty(bh);
      yield Math.ceil(n / 1024) * COST.copyKiB;
      pos += n;
      if (++chunk % WRITE_CHUNK_BLOCKS === 0 && pos < end) {
        // Make the part written so far a consistent state, then let the journal commit.
        yield* finishWrite(fs, info, pos);
        yield* fs.restartWrite();
      }
    }
  } catch (e) {
    if (pos === off || !(e instanceof Error && 'code' in e && e.code === 'ENOSPC')) {
      if (pos > off) yield* finishWrite(fs, info, pos);
      throw e;
    }
  }
  yield* finishWrite(fs, info, pos);
  return pos - off;
}

function* finishWrite(fs: Ext2Fs, info: Ext2InodeInfo, pos: number): Sim<void> {
  if (pos > info.disk.i_size) info.disk.i_size = pos;
  const t = fs.now();
  info.disk.i_mtime = info.disk.i_ctime = t;
  yield* fs.noteLargeFile(info.disk.i_size);
  yield* fs.writeInode(info);
}

/** Set the size: shrink frees blocks past the end and zeroes the last block's tail; grow leaves a hole. */
export function* truncateFile(fs: Ext2Fs, info: Ext2InodeInfo, size: number): Sim<void> {
  if (size < 0 || !Number.isSafeInteger(size)) throw errno('EINVAL');
  if (S_ISDIR(info.disk.i_mode)) throw errno('EISDIR');
  if (!S_ISREG(info.disk.i_mode)) throw errno('EINVAL', 'truncate of a non-regular inode');
  if (size > maxFileSize(fs)) throw errno('EFBIG');
  yield* setSize(fs, info, size);
  const t = fs.now();
  info.disk.i_mtime = info.disk.i_ctime = t;
  yield* fs.noteLargeFile(size);
  yield* fs.writeInode(info);
}

function* setSize(fs: Ext2Fs, info: Ext2InodeInfo, size: number): Sim<void> {
  const bs = fs.blockSize;
  if (size < info.disk.i_size) {
    const host = fs.blockMapHost(info);
    const tm = fs.truncateMutex(info);
    yield* tm.lock();
    try {
      yield* truncateBlocks(host, info.disk, Math.ceil(size / bs));
    } finally {
      yield* tm.unlock();
    }
    if (size % bs !== 0 && S_ISREG(info.disk.i_mode)) {
      const blk = yield* bmapLookup(host, info.disk, Math.floor(size / bs));
      if (blk) {
        const bh = yield* fs.cache.bread(blk);
        bh.data.fill(0, size % bs);
        fs.cache.markDirty(bh);
      }
    }
    fs.allocFor(info).truncated(fs, info);
  }
  info.disk.i_size = size;
}

export interface Ext2SetAttr {
  mode?: number;
  uid?: number;
  gid?: number;
  atime?: number;
  mtime?: number;
  ctime?: number;
  size?: number;
}

/** chmod/chown/utimes/truncate in one call; ctime becomes now unless given. */
export function* setAttr(fs: Ext2Fs, info: Ext2InodeInfo, attr: Ext2SetAttr): Sim<void> {
  const d = info.disk;
  if (attr.size !== undefined && attr.size !== d.i_size) yield* truncateFile(fs, info, attr.size);
  if (attr.mode !== undefined) d.i_mode = (d.i_mode & S_IFMT) | (attr.mode & 0o7777);
  if (attr.uid !== undefined) d.i_uid = attr.uid >>> 0;
  if (attr.gid !== undefined) d.i_gid = attr.gid >>> 0;
  if (attr.atime !== undefined) d.i_atime = attr.atime >>> 0;
  if (attr.mtime !== undefined) d.i_mtime = attr.mtime >>> 0;
  d.i_ctime = attr.ctime !== undefined ? attr.ctime >>> 0 : fs.now();
  yield* fs.writeInode(info);
}

/** Free the blocks of a directory being removed (rmdir, rename over a directory). */
export function* releaseDirBlocks(fs: Ext2Fs, info: Ext2InodeInfo): Sim<void> {
  const tm = fs.truncateMutex(info);
  yield* tm.lock();
  try {
    yield* truncateBlocks(fs.blockMapHost(info), info.disk, 0);
  } finally {
    yield* tm.unlock();
  }
  info.disk.i_size = 0;
  yield* fs.writeInode(info);
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
    yield* fs.dirtyMeta(bh);
  }
  info.disk.i_blocks = Math.max(0, info.disk.i_blocks - fs.blockSize / 512);
  info.disk.i_file_acl = 0;
}
