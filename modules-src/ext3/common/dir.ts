/**
 * ext3 directory contents (Linux fs/ext3/namei.c ext3_find_entry,
 * ext3_add_entry, ext3_delete_entry and dir.c ext3_readdir): lookup,
 * insertion, removal and listing over the directory's blocks (linear ext2 directories; htree directories are read
 * linearly too, since their index blocks look like empty entries, and lose
 * INDEX_FL the first time they are modified).
 *
 * Directory blocks are metadata: on ext3 every modified block joins the
 * running transaction. Callers hold the directory's i_rwsem (exclusive to
 * change it; the VFS takes it) and a JBD2 handle for changes; a new block
 * is mapped under the directory's truncate_mutex. A directory's i_size is always a whole number of
 * blocks and it has no holes; anything else read from disk is EUCLEAN.
 */
import {
  COST, EXT2_INDEX_FL, EXT2_NAME_LEN, S_ISDIR, bmapCreate, bmapLookup, deleteDirEntry, emptyDirBlock, errno, insertDirEntry,
  nameBytes, nameString, parseDirBlock, setDirEntryInode,
  type Ext2DirEntry, type Ext2Fs, type Ext2InodeInfo, type Ext2ReaddirEntry, type Sim,
} from 'modswap/kernel';

export interface DirSlot {
  ino: number;
  fileType: number;
  /** Logical block and offset of the record. */
  lblk: number;
  off: number;
}

/** Validate a name for a new entry (the VFS also checks; the engine must never write a bad one). */
export function checkName(name: string): Uint8Array {
  const b = nameBytes(name);
  if (b.length === 0) throw errno('ENOENT', 'empty name');
  if (b.length > EXT2_NAME_LEN) throw errno('ENAMETOOLONG');
  if (b.includes(0x2f) || b.includes(0)) throw errno('EINVAL', `name contains '/' or NUL`);
  return b;
}

function dirBlocks(fs: Ext2Fs, dir: Ext2InodeInfo): number {
  if (!S_ISDIR(dir.disk.i_mode)) throw errno('ENOTDIR');
  const size = dir.disk.i_size;
  if (size % fs.blockSize !== 0 || size / fs.blockSize > fs.sb.s_blocks_count) {
    throw errno('EUCLEAN', `directory ${dir.ino} has size ${size}`);
  }
  return size / fs.blockSize;
}

/** Read and parse directory block `lblk`; a hole is corruption. */
function* readDirBlock(fs: Ext2Fs, dir: Ext2InodeInfo, lblk: number): Sim<{ data: Uint8Array; blk: number; entries: Ext2DirEntry[] }> {
  const blk = yield* bmapLookup(fs.blockMapHost(dir), dir.disk, lblk);
  if (blk === 0) throw errno('EUCLEAN', `directory ${dir.ino} has a hole at block ${lblk}`);
  const bh = yield* fs.cache.bread(blk);
  const entries = parseDirBlock(bh.data, { inodesCount: fs.sb.s_inodes_count, filetype: fs.hasFiletype }, `of directory ${dir.ino} block ${lblk}`);
  yield entries.length * COST.dirent;
  return { data: bh.data, blk, entries };
}

/** Find `name` in `dir`. */
export function* dirLookup(fs: Ext2Fs, dir: Ext2InodeInfo, name: string): Sim<DirSlot | undefined> {
  const key = nameBytes(name);
  if (key.length > EXT2_NAME_LEN) throw errno('ENAMETOOLONG');
  const n = dirBlocks(fs, dir);
  // Start where the last successful lookup ended (ext2's i_dir_start_lookup).
  const start = dir.i_dir_start_lookup < n ? dir.i_dir_start_lookup : 0;
  for (let k = 0; k < n; k++) {
    const lblk = (start + k) % n;
    const { entries } = yield* readDirBlock(fs, dir, lblk);
    for (const e of entries) {
      if (e.inode !== 0 && e.name_len === key.length && e.nameIs(key)) {
        dir.i_dir_start_lookup = lblk;
        return { ino: e.inode, fileType: e.file_type, lblk, off: e.off };
      }
    }
  }
  return undefined;
}

/** Mark a directory modified: times, no htree index any more, inode written. */
export function* touchDir(fs: Ext2Fs, dir: Ext2InodeInfo): Sim<void> {
  const t = fs.now();
  dir.disk.i_mtime = dir.disk.i_ctime = t;
  dir.disk.i_flags &= ~EXT2_INDEX_FL;
  yield* fs.writeInode(dir);
}

/** Add `name -> ino` to `dir`, growing it by a block if no record has room. */
export function* dirAddEntry(fs: Ext2Fs, dir: Ext2InodeInfo, name: string, ino: number, fileType: number): Sim<void> {
  const key = checkName(name);
  const ft = fs.hasFiletype ? fileType : 0;
  const n = dirBlocks(fs, dir);
  for (let lblk = 0; lblk < n; lblk++) {
    const { data, blk, entries } = yield* readDirBlock(fs, dir, lblk);
    if (insertDirEntry(data, entries, key, ino, ft)) {
      yield* fs.dirtyMeta(yield* fs.cache.bread(blk));
      yield* touchDir(fs, dir);
      return;
    }
  }
  // Append a block. Directory blocks are metadata (zeroed, journaled).
  const host = fs.blockMapHost(dir);
  const goal = function* (): Sim<number> {
    return yield* dirGoal(fs, dir, n);
  };
  const tm = fs.truncateMutex(dir);
  yield* tm.lock();
  let blk: number;
  try {
    ({ blk } = yield* bmapCreate(host, dir.disk, n, goal, true));
  } finally {
    yield* tm.unlock();
  }
  const bh = yield* fs.cache.bread(blk);
  bh.data.set(emptyDirBlock(fs.blockSize));
  const entries = parseDirBlock(bh.data, { inodesCount: fs.sb.s_inodes_count, filetype: fs.hasFiletype });
  insertDirEntry(bh.data, entries, key, ino, ft);
  fs.markMeta(bh);
  dir.disk.i_size += fs.blockSize;
  yield* touchDir(fs, dir);
}

/** Goal for a directory's next block: after its previous block, else its group. */
function* dirGoal(fs: Ext2Fs, dir: Ext2InodeInfo, lblk: number): Sim<number> {
  if (lblk > 0) {
    const prev = yield* bmapLookup(fs.blockMapHost(dir), dir.disk, lblk - 1);
    if (prev) return prev + 1;
  }
  return fs.sb.s_first_data_block + dir.i_block_group * fs.sb.s_blocks_per_group;
}

/** Remove the record for `name`; returns what it pointed at. ENOENT if absent. */
export function* dirRemoveEntry(fs: Ext2Fs, dir: Ext2InodeInfo, name: string): Sim<DirSlot> {
  const slot = yield* dirLookup(fs, dir, name);
  if (!slot) throw errno('ENOENT');
  const { data, blk, entries } = yield* readDirBlock(fs, dir, slot.lblk);
  const idx = entries.findIndex((e) => e.off === slot.off);
  deleteDirEntry(data, entries, idx);
  yield* fs.dirtyMeta(yield* fs.cache.bread(blk));
  yield* touchDir(fs, dir);
  return slot;
}

/** Point an existing record at another inode (rename over a name, `..` of a moved directory). */
export function* dirSetEntry(fs: Ext2Fs, dir: Ext2InodeInfo, slot: DirSlot, ino: number, fileType: number): Sim<void> {
  const { data, blk } = yield* readDirBlock(fs, dir, slot.lblk);
  setDirEntryInode(data, slot.off, ino, fs.hasFiletype ? fileType : 0);
  yield* fs.dirtyMeta(yield* fs.cache.bread(blk));
  yield* touchDir(fs, dir);
}

/** True if `dir` holds nothing but `.` and `..`. */
export function* dirIsEmpty(fs: Ext2Fs, dir: Ext2InodeInfo): Sim<boolean> {
  const n = dirBlocks(fs, dir);
  for (let lblk = 0; lblk < n; lblk++) {
    const { entries } = yield* readDirBlock(fs, dir, lblk);
    for (const e of entries) {
      if (e.inode === 0) continue;
      const nm = nameString(e.name);
      if (nm === '.' || nm === '..') continue;
      return false;
    }
  }
  return true;
}

/** Every live entry, in on-disk order, starting at byte position `from`. */
export function* dirList(fs: Ext2Fs, dir: Ext2InodeInfo, from = 0): Sim<Ext2ReaddirEntry[]> {
  const n = dirBlocks(fs, dir);
  const out: Ext2ReaddirEntry[] = [];
  const bs = fs.blockSize;
  for (let lblk = Math.floor(from / bs); lblk < n; lblk++) {
    const { entries } = yield* readDirBlock(fs, dir, lblk);
    for (const e of entries) {
      const pos = lblk * bs + e.off;
      if (e.inode === 0 || pos < from) continue;
      out.push({ name: nameString(e.name), ino: e.inode, fileType: e.file_type, pos });
    }
  }
  return out;
}
