/**
 * File data: read, write (holes when writing past EOF), truncate (grow with
 * holes, shrink freeing data and indirect blocks) and attribute changes.
 * Freeing an inode with no names left is the module's (ialloc.ts in
 * modules-src/ext3/common), as are the allocators this code calls through
 * the engine's block-map host.
 *
 * Invariant kept for sparse files: the bytes of the last block past i_size
 * are zero (truncate zeroes them), so growing a file never exposes old data.
 * Data blocks are written through the cache and reach the disk before the
 * transaction that maps them commits (data=ordered).
 *
 * Locking: the caller holds the inode's i_rwsem (the VFS or the glue:
 * exclusive to write or truncate, shared to read) and, for changes, a JBD2
 * handle; the block map changes under the inode's truncate_mutex, and
 * allocation takes the block groups' locks (the release's balloc).
 *
 * Block placement is the module's (release.ts `Ext2AllocPolicy`): the engine
 * asks the policy that keeps the inode's layout for a goal and tells it what it got.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import { bmapCreate, bmapLookup, maxFileBlocks, truncateBlocks } from './blockmap.ts';
import type { Ext2Fs } from './fs.ts';
import type { Ext2InodeInfo } from './inode-info.ts';
import { COST } from './layout.ts';
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
