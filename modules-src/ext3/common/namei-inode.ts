/**
 * ext3's name-space operations on engine inodes (Linux fs/ext3/namei.c
 * below the VFS slots of namei.ts): create (any file type), mkdir, unlink,
 * rmdir, link, symlink/readlink, keeping link counts exact
 * (files: one per name; directories: 2 + subdirectories) and never leaving
 * a name that points at a freed inode.
 *
 * Inodes whose last name goes away are not freed here: they become orphans
 * until the glue's drop(ino) (the file may still be open), or unmount.
 * Each runs inside a JBD2 handle the caller holds (engine-ops.ts); rename
 * is each release's own (vN/rename.ts) and builds on the helpers here.
 */
import {
  COST, EXT2_FT_DIR, EXT2_LINK_MAX, EXT2_ROOT_INO, Ext2InodeInfo, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, S_ISDIR, S_ISLNK,
  bmapCreate, bmapLookup, errno, fileTypeOfMode, hasBlockMap, initDirBlock, isFastSymlink, le32, newDiskInode, put32, truncateBlocks,
  type Ext2Fs, type Sim,
} from 'modswap/kernel';
import { checkName, dirAddEntry, dirIsEmpty, dirLookup, dirRemoveEntry } from './dir.ts';
import { allocInode, freeInode, freeInodeBit } from './ialloc.ts';

/** A new inode of `mode` (type bits included) owned by uid/gid, cached and written. */
function* newInode(fs: Ext2Fs, parent: Ext2InodeInfo, mode: number, uid: number, gid: number): Sim<Ext2InodeInfo> {
  const dir = S_ISDIR(mode);
  const ino = yield* allocInode(fs, parent.i_block_group, dir);
  const disk = newDiskInode(fs.geo.inodeSize, mode, fs.now());
  disk.i_uid = uid >>> 0;
  disk.i_gid = gid >>> 0;
  disk.i_links_count = 1;
  disk.i_generation = fs.nextGeneration++ >>> 0;
  const info = new Ext2InodeInfo(ino, disk, Math.floor((ino - 1) / fs.sb.s_inodes_per_group), fs.logic.alloc.initialAllocState());
  fs.adopt(info);
  yield* fs.writeInode(info);
  return info;
}

/** Undo newInode after a later step failed (e.g. ENOSPC growing the directory). */
function* abandonInode(fs: Ext2Fs, info: Ext2InodeInfo): Sim<void> {
  if (hasBlockMap(fs, info)) {
    yield* freeInode(fs, info);
  } else {
    info.disk.i_links_count = 0;
    info.disk.i_dtime = fs.now();
    yield* fs.writeInode(info);
    yield* freeInodeBit(fs, info.ino, S_ISDIR(info.disk.i_mode));
  }
  fs.icache.delete(info.ino);
}

function* mustNotExist(fs: Ext2Fs, dir: Ext2InodeInfo, name: string): Sim<void> {
  checkName(name);
  if (!S_ISDIR(dir.disk.i_mode)) throw errno('ENOTDIR');
  if (dir.disk.i_links_count === 0) throw errno('ENOENT', 'directory was removed');
  if (name === '.' || name === '..' || (yield* dirLookup(fs, dir, name))) throw errno('EEXIST');
}

/**
 * Create a non-directory inode named `name` in `dir`. `mode` carries the
 * type (S_IFREG if none); `rdev` is the device number of a chr/blk node.
 */
export function* createNode(fs: Ext2Fs, dir: Ext2InodeInfo, name: string, mode: number, uid: number, gid: number, rdev = 0): Sim<Ext2InodeInfo> {
  yield* mustNotExist(fs, dir, name);
  if ((mode & S_IFMT) === 0) mode |= S_IFREG;
  if (S_ISDIR(mode)) throw errno('EINVAL', 'use mkdir for directories');
  const info = yield* newInode(fs, dir, mode, uid, gid);
  if (!hasBlockMap(fs, info) && rdev) {
    // Old-style encoding (ext2 new_encode_dev in i_block[1], old in [0] when it fits).
    if (rdev < 0x10000) info.disk.i_block[0] = rdev;
    else info.disk.i_block[1] = rdev;
    yield* fs.writeInode(info);
  }
  try {
    yield* dirAddEntry(fs, dir, name, info.ino, fileTypeOfMode(mode));
  } catch (e) {
    yield* abandonInode(fs, info);
    throw e;
  }
  return info;
}

/** mkdir: one block holding `.` and `..`, the parent gains a link. */
export function* makeDir(fs: Ext2Fs, dir: Ext2InodeInfo, name: string, mode: number, uid: number, gid: number): Sim<Ext2InodeInfo> {
  yield* mustNotExist(fs, dir, name);
  if (dir.disk.i_links_count >= EXT2_LINK_MAX) throw errno('EMLINK');
  const info = yield* newInode(fs, dir, S_IFDIR | (mode & 0o7777), uid, gid);
  try {
    const host = fs.blockMapHost(info);
    const goal = function* (): Sim<number> {
      return fs.sb.s_first_data_block + info.i_block_group * fs.sb.s_blocks_per_group;
    };
    const { blk } = yield* bmapCreate(host, info.disk, 0, goal, true);
    const bh = yield* fs.cache.bread(blk);
    bh.data.set(initDirBlock(fs.blockSize, info.ino, dir.ino, fs.hasFiletype ? EXT2_FT_DIR : 0));
    fs.markMeta(bh);
    info.disk.i_size = fs.blockSize;
    info.disk.i_links_count = 2;
    yield* fs.writeInode(info);
    yield* dirAddEntry(fs, dir, name, info.ino, EXT2_FT_DIR);
  } catch (e) {
    yield* abandonInode(fs, info);
    throw e;
  }
  dir.disk.i_links_count++;
  yield* fs.writeInode(dir);
  return info;
}

/** Drop one name from an inode; at zero it waits for drop() as an orphan. */
export function* decLink(fs: Ext2Fs, info: Ext2InodeInfo): Sim<void> {
  if (info.disk.i_links_count > 0) info.disk.i_links_count--;
  info.disk.i_ctime = fs.now();
  if (info.disk.i_links_count === 0) fs.orphans.add(info.ino);
  yield* fs.writeInode(info);
}

/** unlink a non-directory. Returns the inode number the name pointed at. */
export function* unlinkName(fs: Ext2Fs, dir: Ext2InodeInfo, name: string): Sim<number> {
  if (name === '.' || name === '..') throw errno('EISDIR');
  const slot = yield* dirLookup(fs, dir, name);
  if (!slot) throw errno('ENOENT');
  const info = yield* fs.iget(slot.ino);
  if (S_ISDIR(info.disk.i_mode)) throw errno('EISDIR');
  yield* dirRemoveEntry(fs, dir, name);
  yield* decLink(fs, info);
  return info.ino;
}

/** rmdir an empty directory: its blocks go now, the inode at drop(). */
export function* removeDir(fs: Ext2Fs, dir: Ext2InodeInfo, name: string): Sim<number> {
  if (name === '.') throw errno('EINVAL');
  if (name === '..') throw errno('ENOTEMPTY');
  const slot = yield* dirLookup(fs, dir, name);
  if (!slot) throw errno('ENOENT');
  const info = yield* fs.iget(slot.ino);
  if (!S_ISDIR(info.disk.i_mode)) throw errno('ENOTDIR');
  if (info.ino === EXT2_ROOT_INO) throw errno('EBUSY');
  if (!(yield* dirIsEmpty(fs, info))) throw errno('ENOTEMPTY');
  yield* dirRemoveEntry(fs, dir, name);
  yield* killDir(fs, info);
  if (dir.disk.i_links_count > 2) dir.disk.i_links_count--;
  yield* fs.writeInode(dir);
  return info.ino;
}

/** Free the blocks of a directory being removed (rmdir, rename over a directory). */
function* releaseDirBlocks(fs: Ext2Fs, info: Ext2InodeInfo): Sim<void> {
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


/** An empty directory lost its name: no links, no blocks, orphan until drop(). */
export function* killDir(fs: Ext2Fs, info: Ext2InodeInfo): Sim<void> {
  yield* releaseDirBlocks(fs, info);
  info.disk.i_links_count = 0;
  info.disk.i_ctime = fs.now();
  fs.orphans.add(info.ino);
  yield* fs.writeInode(info);
}

/** Hard link `target` as `name` in `dir`. */
export function* linkName(fs: Ext2Fs, target: Ext2InodeInfo, dir: Ext2InodeInfo, name: string): Sim<void> {
  if (S_ISDIR(target.disk.i_mode)) throw errno('EPERM');
  if (target.disk.i_links_count === 0) throw errno('ENOENT');
  if (target.disk.i_links_count >= EXT2_LINK_MAX) throw errno('EMLINK');
  yield* mustNotExist(fs, dir, name);
  yield* dirAddEntry(fs, dir, name, target.ino, fileTypeOfMode(target.disk.i_mode));
  target.disk.i_links_count++;
  target.disk.i_ctime = fs.now();
  yield* fs.writeInode(target);
}

/** symlink: targets under 60 bytes live in i_block (fast), longer ones in one block. */
export function* makeSymlink(fs: Ext2Fs, dir: Ext2InodeInfo, name: string, target: string, uid: number, gid: number): Sim<Ext2InodeInfo> {
  const bytes = new TextEncoder().encode(target);
  if (bytes.length === 0) throw errno('ENOENT');
  if (bytes.length + 1 > fs.blockSize) throw errno('ENAMETOOLONG');
  yield* mustNotExist(fs, dir, name);
  const info = yield* newInode(fs, dir, S_IFLNK | 0o777, uid, gid);
  try {
    if (bytes.length < 60) {
      const raw = new Uint8Array(60);
      raw.set(bytes);
      for (let i = 0; i < 15; i++) info.disk.i_block[i] = le32(raw, 4 * i);
    } else {
      const host = fs.blockMapHost(info);
      const goal = function* (): Sim<number> {
        return fs.sb.s_first_data_block + info.i_block_group * fs.sb.s_blocks_per_group;
      };
      const { blk } = yield* bmapCreate(host, info.disk, 0, goal, true);
      const bh = yield* fs.cache.bread(blk);
      bh.data.fill(0);
      bh.data.set(bytes);
      fs.markMeta(bh);
    }
    info.disk.i_size = bytes.length;
    yield* fs.writeInode(info);
    yield* dirAddEntry(fs, dir, name, info.ino, fileTypeOfMode(S_IFLNK));
  } catch (e) {
    yield* abandonInode(fs, info);
    throw e;
  }
  return info;
}

export function* readSymlink(fs: Ext2Fs, info: Ext2InodeInfo): Sim<string> {
  if (!S_ISLNK(info.disk.i_mode)) throw errno('EINVAL');
  const size = info.disk.i_size;
  if (size > fs.blockSize || size === 0) throw errno('EUCLEAN', `symlink ${info.ino} has size ${size}`);
  let bytes: Uint8Array;
  if (isFastSymlink(fs, info)) {
    if (size >= 60) throw errno('EUCLEAN', `fast symlink ${info.ino} has size ${size}`);
    const raw = new Uint8Array(60);
    for (let i = 0; i < 15; i++) put32(raw, 4 * i, info.disk.i_block[i]!);
    bytes = raw.subarray(0, size);
  } else {
    const blk = yield* bmapLookup(fs.blockMapHost(info), info.disk, 0);
    if (!blk) throw errno('EUCLEAN', `symlink ${info.ino} has no block`);
    bytes = (yield* fs.cache.bread(blk)).data.slice(0, size);
  }
  yield COST.dirent;
  return new TextDecoder().decode(bytes);
}

/** Is `anc` an ancestor of (or equal to) `dir`? Walks `..`, bounded so a loop is EUCLEAN. */
export function* isAncestor(fs: Ext2Fs, anc: number, dir: Ext2InodeInfo): Sim<boolean> {
  let cur = dir;
  for (let steps = 0; steps < 65536; steps++) {
    if (cur.ino === anc) return true;
    if (cur.ino === EXT2_ROOT_INO) return false;
    const up = yield* dirLookup(fs, cur, '..');
    if (!up) throw errno('EUCLEAN', `directory ${cur.ino} has no '..'`);
    if (up.ino === cur.ino) return false;
    cur = yield* fs.iget(up.ino);
  }
  throw errno('EUCLEAN', 'directory loop');
}

/** The glue released its last reference: free the inode if it has no names; evict it. */
export function* dropInode(fs: Ext2Fs, ino: number): Sim<void> {
  const info = fs.icache.get(ino);
  if (!info) return;
  if (info.disk.i_links_count === 0 && fs.orphans.has(ino)) {
    yield* freeInode(fs, info);
    fs.orphans.delete(ino);
  }
  fs.icache.delete(ino);
  fs.rsvWindows.delete(ino);
}
