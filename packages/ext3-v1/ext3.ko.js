"use strict";
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// v1/index.ts
var index_exports = {};
__export(index_exports, {
  default: () => index_default,
  ext2_release: () => ext2_release
});
module.exports = __toCommonJS(index_exports);

// common/balloc.ts
var import_kernel = require("modswap/kernel");
function blockGroup(fs, blk) {
  return Math.floor((blk - fs.sb.s_first_data_block) / fs.sb.s_blocks_per_group);
}
function inOtherWindow(fs, blk, owner) {
  for (const [ino, w] of fs.rsvWindows) {
    if (ino !== owner && blk >= w.start && blk <= w.end) return true;
  }
  return false;
}
function* allocBlock(fs, goal, owner) {
  const sb = fs.sb;
  const ngroups = fs.geo.groupCount;
  if (!(goal >= sb.s_first_data_block && goal < sb.s_blocks_count)) goal = sb.s_first_data_block;
  const g0 = blockGroup(fs, goal);
  const ownerIno = owner?.ino ?? 0;
  const useWindows = fs.rsvWindows.size > 0;
  for (const respectWindows of useWindows ? [true, false] : [false]) {
    for (let k = 0; k <= ngroups; k++) {
      const g = (g0 + k) % ngroups;
      const gd = fs.gds[g];
      if (gd.bg_free_blocks_count === 0) continue;
      const first = (0, import_kernel.groupFirstBlock)(sb, g);
      const limit = (0, import_kernel.groupBlockCount)(sb, g);
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
  throw (0, import_kernel.errno)("ENOSPC");
}
function* claimBlock(fs, g, map, from, to, respectWindows, ownerIno) {
  const gd = fs.gds[g];
  if (gd.bg_free_blocks_count === 0) return -1;
  const first = (0, import_kernel.groupFirstBlock)(fs.sb, g);
  const scanned = { bytes: 0 };
  while (from < to) {
    const i = (0, import_kernel.findFirstZero)(map, from, to, scanned);
    if (i < 0) break;
    const blk = first + i;
    if (fs.pendingFree.has(blk) || respectWindows && inOtherWindow(fs, blk, ownerIno)) {
      from = i + 1;
      continue;
    }
    yield Math.ceil(scanned.bytes / 4) * import_kernel.COST.bitmapWord;
    (0, import_kernel.setBit)(map, i);
    gd.bg_free_blocks_count--;
    fs.sb.s_free_blocks_count = Math.max(0, fs.sb.s_free_blocks_count - 1);
    yield* fs.writeGroupDesc(g);
    return blk;
  }
  yield Math.ceil(scanned.bytes / 4) * import_kernel.COST.bitmapWord;
  return -1;
}
function* freeBlock(fs, blk) {
  const sb = fs.sb;
  if (blk < sb.s_first_data_block || blk >= sb.s_blocks_count) throw (0, import_kernel.errno)("EUCLEAN", `freeing block ${blk} outside the file system`);
  const g = blockGroup(fs, blk);
  const gd = fs.gds[g];
  const bh = yield* fs.cache.bread(gd.bg_block_bitmap);
  const i = blk - (0, import_kernel.groupFirstBlock)(sb, g);
  const bgl = fs.bgLock(g);
  yield* bgl.lock();
  try {
    yield import_kernel.COST.bitmapWord;
    if (!(0, import_kernel.testBit)(bh.data, i)) throw (0, import_kernel.errno)("EUCLEAN", `freeing block ${blk} which is already free`);
    (0, import_kernel.clearBit)(bh.data, i);
    gd.bg_free_blocks_count++;
    sb.s_free_blocks_count++;
    if (fs.journal) {
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
var ext3_balloc = { allocBlock, freeBlock };

// common/balloc-goal.ts
var import_kernel2 = require("modswap/kernel");
function* fallbackGoal(fs, info, lblk) {
  if (lblk > 0) {
    const prev = yield* (0, import_kernel2.bmapLookup)(fs.blockMapHost(info), info.disk, lblk - 1);
    if (prev) return prev + 1;
  }
  return fs.sb.s_first_data_block + info.i_block_group * fs.sb.s_blocks_per_group;
}
function goalState(info) {
  if (info.alloc.layout !== "goal") throw new Error(`inode ${info.ino}: '${info.alloc.layout}' allocation state under the goal allocator`);
  return info.alloc;
}
var goalAllocPolicy = {
  layout: "goal",
  initialAllocState: () => ({ layout: "goal", i_next_alloc_block: 0, i_next_alloc_goal: 0 }),
  *dataGoal(fs, info, lblk) {
    const a = goalState(info);
    if (lblk === a.i_next_alloc_block && a.i_next_alloc_goal) return a.i_next_alloc_goal;
    return yield* fallbackGoal(fs, info, lblk);
  },
  noteAllocated(_fs, info, lblk, blk) {
    const a = goalState(info);
    a.i_next_alloc_block = lblk + 1;
    a.i_next_alloc_goal = blk + 1;
  },
  hasReservation: () => false,
  discardReservation() {
  },
  truncated(_fs, info) {
    const a = goalState(info);
    a.i_next_alloc_block = a.i_next_alloc_goal = 0;
  }
};

// common/engine-ops.ts
var import_kernel6 = require("modswap/kernel");

// common/dir.ts
var import_kernel3 = require("modswap/kernel");
function checkName(name) {
  const b = (0, import_kernel3.nameBytes)(name);
  if (b.length === 0) throw (0, import_kernel3.errno)("ENOENT", "empty name");
  if (b.length > import_kernel3.EXT2_NAME_LEN) throw (0, import_kernel3.errno)("ENAMETOOLONG");
  if (b.includes(47) || b.includes(0)) throw (0, import_kernel3.errno)("EINVAL", `name contains '/' or NUL`);
  return b;
}
function dirBlocks(fs, dir) {
  if (!(0, import_kernel3.S_ISDIR)(dir.disk.i_mode)) throw (0, import_kernel3.errno)("ENOTDIR");
  const size = dir.disk.i_size;
  if (size % fs.blockSize !== 0 || size / fs.blockSize > fs.sb.s_blocks_count) {
    throw (0, import_kernel3.errno)("EUCLEAN", `directory ${dir.ino} has size ${size}`);
  }
  return size / fs.blockSize;
}
function* readDirBlock(fs, dir, lblk) {
  const blk = yield* (0, import_kernel3.bmapLookup)(fs.blockMapHost(dir), dir.disk, lblk);
  if (blk === 0) throw (0, import_kernel3.errno)("EUCLEAN", `directory ${dir.ino} has a hole at block ${lblk}`);
  const bh = yield* fs.cache.bread(blk);
  const entries = (0, import_kernel3.parseDirBlock)(bh.data, { inodesCount: fs.sb.s_inodes_count, filetype: fs.hasFiletype }, `of directory ${dir.ino} block ${lblk}`);
  yield entries.length * import_kernel3.COST.dirent;
  return { data: bh.data, blk, entries };
}
function* dirLookup(fs, dir, name) {
  const key = (0, import_kernel3.nameBytes)(name);
  if (key.length > import_kernel3.EXT2_NAME_LEN) throw (0, import_kernel3.errno)("ENAMETOOLONG");
  const n = dirBlocks(fs, dir);
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
  return void 0;
}
function* touchDir(fs, dir) {
  const t = fs.now();
  dir.disk.i_mtime = dir.disk.i_ctime = t;
  dir.disk.i_flags &= ~import_kernel3.EXT2_INDEX_FL;
  yield* fs.writeInode(dir);
}
function* dirAddEntry(fs, dir, name, ino, fileType) {
  const key = checkName(name);
  const ft = fs.hasFiletype ? fileType : 0;
  const n = dirBlocks(fs, dir);
  for (let lblk = 0; lblk < n; lblk++) {
    const { data, blk: blk2, entries: entries2 } = yield* readDirBlock(fs, dir, lblk);
    if ((0, import_kernel3.insertDirEntry)(data, entries2, key, ino, ft)) {
      yield* fs.dirtyMeta(yield* fs.cache.bread(blk2));
      yield* touchDir(fs, dir);
      return;
    }
  }
  const host = fs.blockMapHost(dir);
  const goal = function* () {
    return yield* dirGoal(fs, dir, n);
  };
  const tm = fs.truncateMutex(dir);
  yield* tm.lock();
  let blk;
  try {
    ({ blk } = yield* (0, import_kernel3.bmapCreate)(host, dir.disk, n, goal, true));
  } finally {
    yield* tm.unlock();
  }
  const bh = yield* fs.cache.bread(blk);
  bh.data.set((0, import_kernel3.emptyDirBlock)(fs.blockSize));
  const entries = (0, import_kernel3.parseDirBlock)(bh.data, { inodesCount: fs.sb.s_inodes_count, filetype: fs.hasFiletype });
  (0, import_kernel3.insertDirEntry)(bh.data, entries, key, ino, ft);
  fs.markMeta(bh);
  dir.disk.i_size += fs.blockSize;
  yield* touchDir(fs, dir);
}
function* dirGoal(fs, dir, lblk) {
  if (lblk > 0) {
    const prev = yield* (0, import_kernel3.bmapLookup)(fs.blockMapHost(dir), dir.disk, lblk - 1);
    if (prev) return prev + 1;
  }
  return fs.sb.s_first_data_block + dir.i_block_group * fs.sb.s_blocks_per_group;
}
function* dirRemoveEntry(fs, dir, name) {
  const slot = yield* dirLookup(fs, dir, name);
  if (!slot) throw (0, import_kernel3.errno)("ENOENT");
  const { data, blk, entries } = yield* readDirBlock(fs, dir, slot.lblk);
  const idx = entries.findIndex((e) => e.off === slot.off);
  (0, import_kernel3.deleteDirEntry)(data, entries, idx);
  yield* fs.dirtyMeta(yield* fs.cache.bread(blk));
  yield* touchDir(fs, dir);
  return slot;
}
function* dirSetEntry(fs, dir, slot, ino, fileType) {
  const { data, blk } = yield* readDirBlock(fs, dir, slot.lblk);
  (0, import_kernel3.setDirEntryInode)(data, slot.off, ino, fs.hasFiletype ? fileType : 0);
  yield* fs.dirtyMeta(yield* fs.cache.bread(blk));
  yield* touchDir(fs, dir);
}
function* dirIsEmpty(fs, dir) {
  const n = dirBlocks(fs, dir);
  for (let lblk = 0; lblk < n; lblk++) {
    const { entries } = yield* readDirBlock(fs, dir, lblk);
    for (const e of entries) {
      if (e.inode === 0) continue;
      const nm = (0, import_kernel3.nameString)(e.name);
      if (nm === "." || nm === "..") continue;
      return false;
    }
  }
  return true;
}
function* dirList(fs, dir, from = 0) {
  const n = dirBlocks(fs, dir);
  const out = [];
  const bs = fs.blockSize;
  for (let lblk = Math.floor(from / bs); lblk < n; lblk++) {
    const { entries } = yield* readDirBlock(fs, dir, lblk);
    for (const e of entries) {
      const pos = lblk * bs + e.off;
      if (e.inode === 0 || pos < from) continue;
      out.push({ name: (0, import_kernel3.nameString)(e.name), ino: e.inode, fileType: e.file_type, pos });
    }
  }
  return out;
}

// common/namei-inode.ts
var import_kernel5 = require("modswap/kernel");

// common/ialloc.ts
var import_kernel4 = require("modswap/kernel");
function inodeGroupOrder(fs, parentGroup, dir) {
  const n = fs.geo.groupCount;
  const order = [];
  if (dir) {
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
      const gd = fs.gds[g];
      if (gd.bg_free_inodes_count === 0 || gd.bg_free_inodes_count < avgI || gd.bg_free_blocks_count < avgB) continue;
      if (best < 0 || gd.bg_used_dirs_count < fs.gds[best].bg_used_dirs_count) best = g;
    }
    if (best >= 0) order.push(best);
  }
  for (let k = 0; k < n; k++) order.push((parentGroup + k) % n);
  return order;
}
function* refuseLiveInode(fs, ino) {
  const cached = fs.icache.get(ino);
  const links = cached ? cached.disk.i_links_count : yield* fs.readInodeLinks(ino);
  if (links > 0) {
    throw (0, import_kernel4.errno)("EUCLEAN", `inode ${ino} is free in the inode bitmap but in use in the inode table (doubly allocated?)`);
  }
}
function* allocInode(fs, parentGroup, dir) {
  const sb = fs.sb;
  const ipg = sb.s_inodes_per_group;
  for (const g of inodeGroupOrder(fs, parentGroup, dir)) {
    const gd = fs.gds[g];
    if (gd.bg_free_inodes_count === 0) continue;
    const bh = yield* fs.cache.bread(gd.bg_inode_bitmap);
    const bgl = fs.bgLock(g);
    yield* bgl.lock();
    let i = -1;
    try {
      if (gd.bg_free_inodes_count > 0) {
        const from = Math.max(0, sb.s_first_ino - 1 - g * ipg);
        const scanned = { bytes: 0 };
        i = (0, import_kernel4.findFirstZero)(bh.data, from, ipg, scanned);
        yield Math.ceil(scanned.bytes / 4) * import_kernel4.COST.bitmapWord;
        if (i >= 0) {
          yield* refuseLiveInode(fs, g * ipg + i + 1);
          (0, import_kernel4.setBit)(bh.data, i);
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
  throw (0, import_kernel4.errno)("ENOSPC");
}
function* freeInodeBit(fs, ino, dir) {
  const sb = fs.sb;
  const ipg = sb.s_inodes_per_group;
  const g = Math.floor((ino - 1) / ipg);
  const gd = fs.gds[g];
  const bh = yield* fs.cache.bread(gd.bg_inode_bitmap);
  const i = (ino - 1) % ipg;
  const bgl = fs.bgLock(g);
  yield* bgl.lock();
  try {
    yield import_kernel4.COST.bitmapWord;
    if (!(0, import_kernel4.testBit)(bh.data, i)) throw (0, import_kernel4.errno)("EUCLEAN", `freeing inode ${ino} which is already free`);
    (0, import_kernel4.clearBit)(bh.data, i);
    gd.bg_free_inodes_count++;
    if (dir && gd.bg_used_dirs_count > 0) gd.bg_used_dirs_count--;
    sb.s_free_inodes_count++;
    yield* fs.writeGroupDesc(g);
  } finally {
    yield* bgl.unlock();
  }
  fs.markMeta(bh);
}
function* freeInode(fs, info) {
  const d = info.disk;
  const dir = (0, import_kernel4.S_ISDIR)(d.i_mode);
  if ((0, import_kernel4.hasBlockMap)(fs, info)) {
    const tm = fs.truncateMutex(info);
    yield* tm.lock();
    try {
      yield* (0, import_kernel4.truncateBlocks)(fs.blockMapHost(info), d, 0);
    } finally {
      yield* tm.unlock();
    }
  }
  if (d.i_file_acl) yield* releaseXattrBlock(fs, info);
  d.i_size = 0;
  d.i_links_count = 0;
  d.i_dtime = fs.now();
  if (!(0, import_kernel4.hasBlockMap)(fs, info)) {
    for (let i = 0; i < d.i_block.length; i++) d.i_block[i] = 0;
    d.i_blocks = 0;
  }
  yield* fs.writeInode(info);
  yield* freeInodeBit(fs, info.ino, dir);
  fs.allocFor(info).discardReservation(fs, info);
}
function* releaseXattrBlock(fs, info) {
  const blk = info.disk.i_file_acl;
  fs.blockMapHost(info).checkBlock(blk, "xattr block");
  const bh = yield* fs.cache.bread(blk);
  if ((0, import_kernel4.le32)(bh.data, 0) !== 3925999616) throw (0, import_kernel4.errno)("EUCLEAN", `inode ${info.ino}: bad xattr block ${blk}`);
  const ref = (0, import_kernel4.le32)(bh.data, 4);
  const host = fs.blockMapHost(info);
  if (ref <= 1) {
    yield* host.freeBlock(blk, true);
  } else {
    const v = ref - 1;
    bh.data[4] = v & 255;
    bh.data[5] = v >>> 8 & 255;
    bh.data[6] = v >>> 16 & 255;
    bh.data[7] = v >>> 24 & 255;
    fs.markMeta(bh);
  }
  info.disk.i_blocks = Math.max(0, info.disk.i_blocks - fs.blockSize / 512);
  info.disk.i_file_acl = 0;
}

// common/namei-inode.ts
function* newInode(fs, parent, mode, uid, gid) {
  const dir = (0, import_kernel5.S_ISDIR)(mode);
  const ino = yield* allocInode(fs, parent.i_block_group, dir);
  const disk = (0, import_kernel5.newDiskInode)(fs.geo.inodeSize, mode, fs.now());
  disk.i_uid = uid >>> 0;
  disk.i_gid = gid >>> 0;
  disk.i_links_count = 1;
  disk.i_generation = fs.nextGeneration++ >>> 0;
  const info = new import_kernel5.Ext2InodeInfo(ino, disk, Math.floor((ino - 1) / fs.sb.s_inodes_per_group), fs.logic.alloc.initialAllocState());
  fs.adopt(info);
  yield* fs.writeInode(info);
  return info;
}
function* abandonInode(fs, info) {
  if ((0, import_kernel5.hasBlockMap)(fs, info)) {
    yield* freeInode(fs, info);
  } else {
    info.disk.i_links_count = 0;
    info.disk.i_dtime = fs.now();
    yield* fs.writeInode(info);
    yield* freeInodeBit(fs, info.ino, (0, import_kernel5.S_ISDIR)(info.disk.i_mode));
  }
  fs.icache.delete(info.ino);
}
function* mustNotExist(fs, dir, name) {
  checkName(name);
  if (!(0, import_kernel5.S_ISDIR)(dir.disk.i_mode)) throw (0, import_kernel5.errno)("ENOTDIR");
  if (dir.disk.i_links_count === 0) throw (0, import_kernel5.errno)("ENOENT", "directory was removed");
  if (name === "." || name === ".." || (yield* dirLookup(fs, dir, name))) throw (0, import_kernel5.errno)("EEXIST");
}
function* createNode(fs, dir, name, mode, uid, gid, rdev = 0) {
  yield* mustNotExist(fs, dir, name);
  if ((mode & import_kernel5.S_IFMT) === 0) mode |= import_kernel5.S_IFREG;
  if ((0, import_kernel5.S_ISDIR)(mode)) throw (0, import_kernel5.errno)("EINVAL", "use mkdir for directories");
  const info = yield* newInode(fs, dir, mode, uid, gid);
  if (!(0, import_kernel5.hasBlockMap)(fs, info) && rdev) {
    if (rdev < 65536) info.disk.i_block[0] = rdev;
    else info.disk.i_block[1] = rdev;
    yield* fs.writeInode(info);
  }
  try {
    yield* dirAddEntry(fs, dir, name, info.ino, (0, import_kernel5.fileTypeOfMode)(mode));
  } catch (e) {
    yield* abandonInode(fs, info);
    throw e;
  }
  return info;
}
function* makeDir(fs, dir, name, mode, uid, gid) {
  yield* mustNotExist(fs, dir, name);
  if (dir.disk.i_links_count >= import_kernel5.EXT2_LINK_MAX) throw (0, import_kernel5.errno)("EMLINK");
  const info = yield* newInode(fs, dir, import_kernel5.S_IFDIR | mode & 4095, uid, gid);
  try {
    const host = fs.blockMapHost(info);
    const goal = function* () {
      return fs.sb.s_first_data_block + info.i_block_group * fs.sb.s_blocks_per_group;
    };
    const { blk } = yield* (0, import_kernel5.bmapCreate)(host, info.disk, 0, goal, true);
    const bh = yield* fs.cache.bread(blk);
    bh.data.set((0, import_kernel5.initDirBlock)(fs.blockSize, info.ino, dir.ino, fs.hasFiletype ? import_kernel5.EXT2_FT_DIR : 0));
    fs.markMeta(bh);
    info.disk.i_size = fs.blockSize;
    info.disk.i_links_count = 2;
    yield* fs.writeInode(info);
    yield* dirAddEntry(fs, dir, name, info.ino, import_kernel5.EXT2_FT_DIR);
  } catch (e) {
    yield* abandonInode(fs, info);
    throw e;
  }
  dir.disk.i_links_count++;
  yield* fs.writeInode(dir);
  return info;
}
function* decLink(fs, info) {
  if (info.disk.i_links_count > 0) info.disk.i_links_count--;
  info.disk.i_ctime = fs.now();
  if (info.disk.i_links_count === 0) fs.orphans.add(info.ino);
  yield* fs.writeInode(info);
}
function* unlinkName(fs, dir, name) {
  if (name === "." || name === "..") throw (0, import_kernel5.errno)("EISDIR");
  const slot = yield* dirLookup(fs, dir, name);
  if (!slot) throw (0, import_kernel5.errno)("ENOENT");
  const info = yield* fs.iget(slot.ino);
  if ((0, import_kernel5.S_ISDIR)(info.disk.i_mode)) throw (0, import_kernel5.errno)("EISDIR");
  yield* dirRemoveEntry(fs, dir, name);
  yield* decLink(fs, info);
  return info.ino;
}
function* removeDir(fs, dir, name) {
  if (name === ".") throw (0, import_kernel5.errno)("EINVAL");
  if (name === "..") throw (0, import_kernel5.errno)("ENOTEMPTY");
  const slot = yield* dirLookup(fs, dir, name);
  if (!slot) throw (0, import_kernel5.errno)("ENOENT");
  const info = yield* fs.iget(slot.ino);
  if (!(0, import_kernel5.S_ISDIR)(info.disk.i_mode)) throw (0, import_kernel5.errno)("ENOTDIR");
  if (info.ino === import_kernel5.EXT2_ROOT_INO) throw (0, import_kernel5.errno)("EBUSY");
  if (!(yield* dirIsEmpty(fs, info))) throw (0, import_kernel5.errno)("ENOTEMPTY");
  yield* dirRemoveEntry(fs, dir, name);
  yield* killDir(fs, info);
  if (dir.disk.i_links_count > 2) dir.disk.i_links_count--;
  yield* fs.writeInode(dir);
  return info.ino;
}
function* releaseDirBlocks(fs, info) {
  const tm = fs.truncateMutex(info);
  yield* tm.lock();
  try {
    yield* (0, import_kernel5.truncateBlocks)(fs.blockMapHost(info), info.disk, 0);
  } finally {
    yield* tm.unlock();
  }
  info.disk.i_size = 0;
  yield* fs.writeInode(info);
}
function* killDir(fs, info) {
  yield* releaseDirBlocks(fs, info);
  info.disk.i_links_count = 0;
  info.disk.i_ctime = fs.now();
  fs.orphans.add(info.ino);
  yield* fs.writeInode(info);
}
function* linkName(fs, target, dir, name) {
  if ((0, import_kernel5.S_ISDIR)(target.disk.i_mode)) throw (0, import_kernel5.errno)("EPERM");
  if (target.disk.i_links_count === 0) throw (0, import_kernel5.errno)("ENOENT");
  if (target.disk.i_links_count >= import_kernel5.EXT2_LINK_MAX) throw (0, import_kernel5.errno)("EMLINK");
  yield* mustNotExist(fs, dir, name);
  yield* dirAddEntry(fs, dir, name, target.ino, (0, import_kernel5.fileTypeOfMode)(target.disk.i_mode));
  target.disk.i_links_count++;
  target.disk.i_ctime = fs.now();
  yield* fs.writeInode(target);
}
function* makeSymlink(fs, dir, name, target, uid, gid) {
  const bytes = new TextEncoder().encode(target);
  if (bytes.length === 0) throw (0, import_kernel5.errno)("ENOENT");
  if (bytes.length + 1 > fs.blockSize) throw (0, import_kernel5.errno)("ENAMETOOLONG");
  yield* mustNotExist(fs, dir, name);
  const info = yield* newInode(fs, dir, import_kernel5.S_IFLNK | 511, uid, gid);
  try {
    if (bytes.length < 60) {
      const raw = new Uint8Array(60);
      raw.set(bytes);
      for (let i = 0; i < 15; i++) info.disk.i_block[i] = (0, import_kernel5.le32)(raw, 4 * i);
    } else {
      const host = fs.blockMapHost(info);
      const goal = function* () {
        return fs.sb.s_first_data_block + info.i_block_group * fs.sb.s_blocks_per_group;
      };
      const { blk } = yield* (0, import_kernel5.bmapCreate)(host, info.disk, 0, goal, true);
      const bh = yield* fs.cache.bread(blk);
      bh.data.fill(0);
      bh.data.set(bytes);
      fs.markMeta(bh);
    }
    info.disk.i_size = bytes.length;
    yield* fs.writeInode(info);
    yield* dirAddEntry(fs, dir, name, info.ino, (0, import_kernel5.fileTypeOfMode)(import_kernel5.S_IFLNK));
  } catch (e) {
    yield* abandonInode(fs, info);
    throw e;
  }
  return info;
}
function* readSymlink(fs, info) {
  if (!(0, import_kernel5.S_ISLNK)(info.disk.i_mode)) throw (0, import_kernel5.errno)("EINVAL");
  const size = info.disk.i_size;
  if (size > fs.blockSize || size === 0) throw (0, import_kernel5.errno)("EUCLEAN", `symlink ${info.ino} has size ${size}`);
  let bytes;
  if ((0, import_kernel5.isFastSymlink)(fs, info)) {
    if (size >= 60) throw (0, import_kernel5.errno)("EUCLEAN", `fast symlink ${info.ino} has size ${size}`);
    const raw = new Uint8Array(60);
    for (let i = 0; i < 15; i++) (0, import_kernel5.put32)(raw, 4 * i, info.disk.i_block[i]);
    bytes = raw.subarray(0, size);
  } else {
    const blk = yield* (0, import_kernel5.bmapLookup)(fs.blockMapHost(info), info.disk, 0);
    if (!blk) throw (0, import_kernel5.errno)("EUCLEAN", `symlink ${info.ino} has no block`);
    bytes = (yield* fs.cache.bread(blk)).data.slice(0, size);
  }
  yield import_kernel5.COST.dirent;
  return new TextDecoder().decode(bytes);
}
function* isAncestor(fs, anc, dir) {
  let cur = dir;
  for (let steps = 0; steps < 65536; steps++) {
    if (cur.ino === anc) return true;
    if (cur.ino === import_kernel5.EXT2_ROOT_INO) return false;
    const up = yield* dirLookup(fs, cur, "..");
    if (!up) throw (0, import_kernel5.errno)("EUCLEAN", `directory ${cur.ino} has no '..'`);
    if (up.ino === cur.ino) return false;
    cur = yield* fs.iget(up.ino);
  }
  throw (0, import_kernel5.errno)("EUCLEAN", "directory loop");
}
function* dropInode(fs, ino) {
  const info = fs.icache.get(ino);
  if (!info) return;
  if (info.disk.i_links_count === 0 && fs.orphans.has(ino)) {
    yield* freeInode(fs, info);
    fs.orphans.delete(ino);
  }
  fs.icache.delete(ino);
  fs.rsvWindows.delete(ino);
}

// common/engine-ops.ts
function never() {
  throw (0, import_kernel6.errno)("EIO", "inode vanished from the cache");
}
function* mutate(fs, op, ino) {
  yield* fs.beginWrite();
  try {
    if (ino !== void 0) yield* fs.iget(ino);
    return yield* op();
  } finally {
    yield* fs.endWrite();
  }
}
function* lookupIno(fs, dir, name) {
  fs.checkLive();
  yield import_kernel6.COST.opEntry;
  const d = yield* fs.iget(dir);
  const slot = yield* dirLookup(fs, d, name);
  return slot ? slot.ino : 0;
}
function ext3EngineOps(rename) {
  const cached = (fs, ino) => fs.icache.get(ino) ?? never();
  return {
    *lookup(fs, dir, name) {
      const ino = yield* lookupIno(fs, dir, name);
      if (ino === 0) throw (0, import_kernel6.errno)("ENOENT");
      return ino;
    },
    create: (fs, dir, name, mode, uid, gid, rdev = 0) => mutate(fs, () => createNode(fs, cached(fs, dir), name, mode, uid, gid, rdev), dir),
    mkdir: (fs, dir, name, mode, uid, gid) => mutate(fs, () => makeDir(fs, cached(fs, dir), name, mode, uid, gid), dir),
    unlink: (fs, dir, name) => mutate(fs, () => unlinkName(fs, cached(fs, dir), name), dir),
    rmdir: (fs, dir, name) => mutate(fs, () => removeDir(fs, cached(fs, dir), name), dir),
    rename: (fs, oldDir, oldName, newDir, newName) => mutate(fs, function* () {
      const od = yield* fs.iget(oldDir);
      const nd = yield* fs.iget(newDir);
      return yield* rename(fs, od, oldName, nd, newName);
    }),
    link: (fs, ino, dir, name) => mutate(fs, function* () {
      const t = yield* fs.iget(ino);
      const d = yield* fs.iget(dir);
      yield* linkName(fs, t, d, name);
    }),
    symlink: (fs, dir, name, target, uid, gid) => mutate(fs, () => makeSymlink(fs, cached(fs, dir), name, target, uid, gid), dir),
    *readlink(fs, ino) {
      fs.checkLive();
      return yield* readSymlink(fs, yield* fs.iget(ino));
    },
    *readdir(fs, dir, pos = 0) {
      fs.checkLive();
      yield import_kernel6.COST.opEntry;
      return yield* dirList(fs, yield* fs.iget(dir), pos);
    },
    *drop(fs, ino) {
      fs.checkLive();
      if (fs.readOnly || !fs.orphans.has(ino)) {
        fs.icache.delete(ino);
        fs.rsvWindows.delete(ino);
        return;
      }
      yield* mutate(fs, () => dropInode(fs, ino));
    }
  };
}

// common/inode-layouts.ts
var import_kernel7 = require("modswap/kernel");
function convertInodeV3toV2(info) {
  const a = info.alloc;
  if (a.layout === "goal") return info;
  const out = new import_kernel7.Ext2InodeInfo(info.ino, info.disk, info.i_block_group, {
    layout: "goal",
    i_next_alloc_block: a.i_last_alloc_logical + 1,
    i_next_alloc_goal: a.i_last_alloc_physical > 0 ? a.i_last_alloc_physical + 1 : 0
  });
  out.i_dir_start_lookup = info.i_dir_start_lookup;
  return out;
}

// common/update.ts
var import_kernel26 = require("modswap/kernel");
var import_kernel27 = require("modswap/kernel");
var import_kernel28 = require("modswap/kernel");
var import_kernel29 = require("modswap/kernel");
var import_kernel30 = require("modswap/kernel");
var import_kernel31 = require("modswap/kernel");

// common/ext3.ts
var import_kernel8 = require("modswap/kernel");
var EXT3_SUPER_MAGIC = 61267;
var EXT3_EPOCH = 1e9;
var Ext3SbInfo = class {
  constructor(fs, dev, inodes, ctx, id, writers = /* @__PURE__ */ new Map()) {
    this.fs = fs;
    this.dev = dev;
    this.inodes = inodes;
    this.ctx = ctx;
    this.id = id;
    this.writers = writers;
  }
  fs;
  dev;
  inodes;
  ctx;
  id;
  writers;
};
var Ext3FileInfo = class {
  constructor(format) {
    this.format = format;
  }
  format;
};
function EXT3_SB(sb) {
  const sbi = sb.s_fs_info;
  if (!(sbi instanceof Ext3SbInfo)) throw new Error(`ext3: superblock ${sb.s_id} has no ext3_sb_info of this module instance`);
  return sbi;
}
function ext3_handed_over(sb) {
  const o = sb.s_fs_info;
  if (!o || !(o.fs instanceof import_kernel8.Ext2Fs) || !(o.inodes instanceof Map) || !(o.writers instanceof Map) || typeof o.id !== "string" || !o.dev) {
    throw new Error(`ext3: superblock ${sb.s_id} carries no ext3_sb_info this release can take over`);
  }
  return { fs: o.fs, dev: o.dev, inodes: o.inodes, writers: o.writers, id: o.id };
}
function cyclesPerSecond(engine) {
  return engine.cyclesPerUs * 1e6;
}
function ext3_disk_time(engine, cycles) {
  return EXT3_EPOCH + Math.floor(cycles / cyclesPerSecond(engine));
}
function ext3_vfs_time(engine, seconds) {
  return (seconds - EXT3_EPOCH) * cyclesPerSecond(engine);
}

// common/super.ts
var import_kernel14 = require("modswap/kernel");
var import_kernel15 = require("modswap/kernel");
var import_kernel16 = require("modswap/kernel");
var import_kernel17 = require("modswap/kernel");
var import_kernel18 = require("modswap/kernel");
var import_kernel19 = require("modswap/kernel");
var import_kernel20 = require("modswap/kernel");
var import_kernel21 = require("modswap/kernel");
var import_kernel22 = require("modswap/kernel");
var import_kernel23 = require("modswap/kernel");
var import_kernel24 = require("modswap/kernel");

// common/inode.ts
var import_kernel9 = require("modswap/kernel");
var import_kernel10 = require("modswap/kernel");
var import_kernel11 = require("modswap/kernel");
var import_kernel12 = require("modswap/kernel");
var import_kernel13 = require("modswap/kernel");
function EXT3_I(inode) {
  const sbi = inode.i_sb.s_fs_info;
  const priv = inode.i_private;
  if (!sbi || !(sbi instanceof Ext3SbInfo) || !sbi.fs.icache.handingOver) return priv;
  const info = ext3_switch_private(sbi.fs, inode);
  if (info !== priv) {
    inode.i_private = info;
    ext3_set_inode_ops(sbi.ctx, inode);
  }
  return info;
}
function ext3_switch_private(fs, inode, how = "onUse") {
  const priv = inode.i_private;
  if (fs.icache.isCurrent(priv)) return priv;
  return fs.icache.lookup(inode.i_ino, how) ?? fs.icache.adoptForeign(priv);
}
function ext3_set_inode_ops(ctx, inode) {
  const t = ctx.tables;
  switch (inode.i_mode & import_kernel13.S_IFMT) {
    case import_kernel13.S_IFREG:
      inode.i_op = t.ext3_file_inode_operations;
      inode.i_fop = t.ext3_file_operations;
      break;
    case import_kernel13.S_IFDIR:
      inode.i_op = t.ext3_dir_inode_operations;
      inode.i_fop = t.ext3_dir_operations;
      break;
    case import_kernel13.S_IFLNK:
      inode.i_op = t.ext3_symlink_inode_operations;
      break;
    default:
      inode.i_op = t.ext3_special_inode_operations;
  }
}
function ext3_sync_inode(inode, info = EXT3_I(inode)) {
  const d = info.disk;
  const engine = inode.i_sb.s_kernel.engine;
  inode.i_mode = d.i_mode;
  inode.i_nlink = d.i_links_count;
  inode.i_size = d.i_size;
  inode.i_uid = d.i_uid;
  inode.i_gid = d.i_gid;
  inode.i_blocks = d.i_blocks;
  if (ext3_disk_time(engine, inode.i_atime) !== d.i_atime) inode.i_atime = ext3_vfs_time(engine, d.i_atime);
  if (ext3_disk_time(engine, inode.i_mtime) !== d.i_mtime) inode.i_mtime = ext3_vfs_time(engine, d.i_mtime);
  if (ext3_disk_time(engine, inode.i_ctime) !== d.i_ctime) inode.i_ctime = ext3_vfs_time(engine, d.i_ctime);
}
function ext3_touch(inode, mtime = true) {
  const now = inode.i_sb.s_kernel.engine.now;
  inode.i_ctime = now;
  if (mtime) inode.i_mtime = now;
}
function* ext3_iget(ctx, sb, ino) {
  const sbi = EXT3_SB(sb);
  const hit = sbi.inodes.get(ino);
  if (hit) {
    (0, import_kernel11.ihold)(hit);
    return hit;
  }
  const info = yield* sbi.fs.iget(ino);
  const raced = sbi.inodes.get(ino);
  if (raced) {
    (0, import_kernel11.ihold)(raced);
    return raced;
  }
  const inode = new import_kernel11.Inode(sb);
  inode.i_ino = ino;
  inode.i_count = 1;
  const d = info.disk;
  const engine = sb.s_kernel.engine;
  inode.i_atime = ext3_vfs_time(engine, d.i_atime);
  inode.i_mtime = ext3_vfs_time(engine, d.i_mtime);
  inode.i_ctime = ext3_vfs_time(engine, d.i_ctime);
  ext3_sync_inode(inode, info);
  if ((d.i_mode & import_kernel13.S_IFMT) !== import_kernel13.S_IFREG && (d.i_mode & import_kernel13.S_IFMT) !== import_kernel13.S_IFDIR && (d.i_mode & import_kernel13.S_IFMT) !== import_kernel13.S_IFLNK) {
    inode.i_rdev = d.i_block[0] ?? 0;
  }
  ext3_set_inode_ops(ctx, inode);
  ctx.mod.instances.allocInode(inode, () => info);
  sb.s_inodes.add(inode);
  sbi.inodes.set(ino, inode);
  return inode;
}
function* ext3_evict_inode(inode) {
  const sbi = EXT3_SB(inode.i_sb);
  if (sbi.inodes.get(inode.i_ino) === inode) sbi.inodes.delete(inode.i_ino);
  yield* sbi.ctx.release.namei.drop(sbi.fs, inode.i_ino);
}
function ext3_destroy_inode(ctx, inode) {
  ctx.mod.instances.freeInode(inode);
}
function* ext3_setattr(dentry, attr) {
  const inode = dentry.d_inode;
  if (!inode) throw (0, import_kernel9.errno)("ENOENT");
  const sbi = EXT3_SB(inode.i_sb);
  const engine = inode.i_sb.s_kernel.engine;
  const v = attr.ia_valid;
  const change = {};
  if (v & import_kernel12.ATTR_SIZE) {
    if (attr.ia_size > inode.i_sb.s_maxbytes) throw (0, import_kernel9.errno)("EFBIG");
    change.size = attr.ia_size;
  }
  if (v & import_kernel12.ATTR_MODE) change.mode = attr.ia_mode & 4095;
  if (v & import_kernel12.ATTR_UID) change.uid = attr.ia_uid;
  if (v & import_kernel12.ATTR_GID) change.gid = attr.ia_gid;
  const t = ext3_disk_time(engine, attr.ia_time);
  if (v & import_kernel12.ATTR_ATIME) change.atime = t;
  if (v & import_kernel12.ATTR_MTIME) change.mtime = t;
  if (v & import_kernel12.ATTR_CTIME) change.ctime = t;
  yield* sbi.fs.setattr(inode.i_ino, change);
  (0, import_kernel10.simple_setattr_copy)(inode, attr);
  ext3_sync_inode(inode);
}

// common/super.ts
var import_kernel25 = require("modswap/kernel");
var EXT3_CACHE_BUFFERS = 8192;
var EXT2_ROOT_INO2 = 2;
function parseOptions(data) {
  let readOnly = false;
  for (const opt of data.split(",")) {
    if (opt === "" || opt === "rw") continue;
    if (opt === "ro") readOnly = true;
    else throw (0, import_kernel14.errno)("EINVAL", `ext3: bad mount option '${opt}'`);
  }
  return { readOnly };
}
function ext3_clock(kernel) {
  return () => ext3_disk_time(kernel.engine, kernel.engine.now);
}
function ext3_super_operations(ctx) {
  function* ext3_mount(fsType, flags, devName, data, kernel) {
    const opts = parseOptions(data);
    const dev = (0, import_kernel21.claim_bdev)(kernel, devName);
    let fs;
    try {
      if (dev.sizeBytes < 2048) throw (0, import_kernel14.errno)("EINVAL", "ext3: device too small");
      const raw = yield* dev.read(import_kernel18.SUPERBLOCK_OFFSET, 1024);
      const dsb = (0, import_kernel17.decodeSuperBlock)(raw);
      (0, import_kernel17.checkMagic)(dsb);
      const log = dsb.s_log_block_size;
      if (log > 2) throw (0, import_kernel14.errno)("EINVAL", `ext3: unsupported block size (log ${log})`);
      const cache = new import_kernel19.BufferCache(kernel.engine, dev, 1024 << log, EXT3_CACHE_BUFFERS);
      fs = yield* import_kernel15.Ext2Fs.mount(dev, {
        now: ext3_clock(kernel),
        logic: ctx.release,
        readOnly: opts.readOnly || (flags & import_kernel23.MS_RDONLY) !== 0,
        cache: cache.cache,
        // several simulated threads call into one engine at once: ext3's own locks (ext2/lock.ts)
        locking: (0, import_kernel15.simLocking)(kernel.engine)
      });
    } catch (e) {
      (0, import_kernel21.release_bdev)(kernel, dev);
      throw e;
    }
    const sb = (0, import_kernel22.alloc_super)(kernel, fsType, devName);
    sb.s_magic = EXT3_SUPER_MAGIC;
    sb.s_blocksize = fs.blockSize;
    sb.s_maxbytes = (0, import_kernel16.maxFileSize)(fs);
    sb.s_flags = flags | (fs.readOnly ? import_kernel23.MS_RDONLY : 0);
    sb.s_bdev = dev;
    sb.s_op = ctx.tables.ext3_sops;
    const sbi = new Ext3SbInfo(fs, dev, /* @__PURE__ */ new Map(), ctx, import_kernel25.super_blocks_by_id.newId(devName));
    sb.s_fs_info = sbi;
    ctx.supers.add(sb);
    import_kernel25.super_blocks_by_id.set(sbi.id, sb);
    fs.startKjournald(`kjournald ${devName}`);
    const root = yield* ext3_iget(ctx, sb, EXT2_ROOT_INO2);
    const d = (0, import_kernel20.d_make_root)(root);
    sb.s_root = d;
    return d;
  }
  function* ext3_kill_sb(sb) {
    yield* (0, import_kernel22.generic_shutdown_super)(sb);
  }
  function* ext3_put_super(sb) {
    const sbi = EXT3_SB(sb);
    try {
      yield* sbi.fs.unmount();
    } finally {
      sbi.ctx.supers.delete(sb);
      import_kernel25.super_blocks_by_id.delete(sbi.id);
    }
  }
  function* ext3_sync_fs(sb, _wait) {
    yield* EXT3_SB(sb).fs.sync();
  }
  function* ext3_statfs(dentry) {
    const s = EXT3_SB(dentry.d_sb).fs.statfs();
    yield 50;
    return { f_type: EXT3_SUPER_MAGIC, f_bsize: s.f_bsize, f_blocks: s.f_blocks, f_bfree: s.f_bfree, f_bavail: s.f_bavail, f_files: s.f_files, f_ffree: s.f_ffree, f_namelen: Math.min(s.f_namelen, import_kernel23.NAME_MAX) };
  }
  return { ext3_mount, ext3_kill_sb, ext3_put_super, ext3_sync_fs, ext3_statfs };
}

// common/update.ts
var PREPARE_WAIT_US = 5e3;
var KJOURNALD_PARK_LEASE_US = 2e5;
var LAZY_BATCH = 64;
var EXT3_STATE_V2 = "ext3-state@2";
var EXT3_STATE_V3 = "ext3-state@3";
var int = import_kernel26.z.number().int();
var nat = int.nonnegative();
var goalAlloc = import_kernel26.z.object({ layout: import_kernel26.z.literal("goal"), i_next_alloc_block: int, i_next_alloc_goal: nat });
var rsvAlloc = import_kernel26.z.object({
  layout: import_kernel26.z.literal("rsv"),
  i_rsv_window: import_kernel26.z.object({ start: nat, end: nat, goal: nat }).nullable(),
  i_last_alloc_logical: int,
  i_last_alloc_physical: nat
});
function inodeSchema(alloc) {
  return import_kernel26.z.object({ ino: int.positive(), group: nat, disk: import_kernel26.z.object({ raw: import_kernel26.z.string().min(1) }), alloc, dirStartLookup: nat });
}
function stateSchema(format, layout, alloc) {
  const inode = inodeSchema(alloc);
  const engine = import_kernel26.z.object({
    format: import_kernel26.z.literal(import_kernel30.EXT2_STATE_FORMAT),
    logicVersion: int.positive(),
    layout: import_kernel26.z.literal(layout),
    readOnly: import_kernel26.z.boolean(),
    inodes: import_kernel26.z.array(inode),
    orphans: import_kernel26.z.array(int.positive()),
    nextGeneration: nat,
    journal: import_kernel26.z.object({ sequence: nat, head: nat, tail: nat, tailSequence: nat, used: nat }).nullable(),
    pendingFree: import_kernel26.z.array(nat),
    maxTransactionBlocks: int.positive().nullable(),
    mountCount: nat
  });
  return import_kernel26.z.object({ format: import_kernel26.z.literal(format), supers: import_kernel26.z.array(import_kernel26.z.object({ id: import_kernel26.z.string().min(1), dev: import_kernel26.z.string(), engine })) });
}
var EXT3_STATE_V2_SCHEMA = stateSchema(EXT3_STATE_V2, "goal", goalAlloc);
var EXT3_STATE_V3_SCHEMA = stateSchema(EXT3_STATE_V3, "rsv", rsvAlloc);
var SCHEMAS = { [EXT3_STATE_V2]: EXT3_STATE_V2_SCHEMA, [EXT3_STATE_V3]: EXT3_STATE_V3_SCHEMA };
var EXT3_INODE_V2_SCHEMA = inodeSchema(goalAlloc);
var EXT3_INODE_V3_SCHEMA = inodeSchema(rsvAlloc);
var INODE_SCHEMAS = { [EXT3_STATE_V2]: EXT3_INODE_V2_SCHEMA, [EXT3_STATE_V3]: EXT3_INODE_V3_SCHEMA };
function pick(all, names) {
  const out = {};
  for (const n of names) if (all[n]) out[n] = all[n];
  return out;
}
function ext3_update_hooks(ctx) {
  const formats = ctx.formats.formats;
  const layout = ctx.release.alloc.layout;
  function* ext3_export_state(format) {
    if (!formats.includes(format)) throw (0, import_kernel28.errno)("EINVAL", `ext3 v${ctx.release.version} cannot export ${format}`);
    const supers = [];
    const sbs = [...ctx.supers].sort((a, b) => EXT3_SB(a).id < EXT3_SB(b).id ? -1 : 1);
    for (const sb of sbs) {
      const sbi = EXT3_SB(sb);
      const engine = yield* (0, import_kernel29.exportState)(sbi.fs, { handOver: true, inodes: false });
      supers.push({ id: sbi.id, dev: sb.s_id, engine: ctx.formats.exportAs(format, engine) });
    }
    const snap = { format, supers };
    return snap;
  }
  function ext3_export_inode(format, priv) {
    if (!formats.includes(format)) throw (0, import_kernel28.errno)("EINVAL", `ext3 v${ctx.release.version} cannot export ${format}`);
    const info = priv;
    return (0, import_kernel29.inodeInfoToJSON)(format === EXT3_STATE_V2 ? convertInodeV3toV2(info) : info);
  }
  function ext3_import_inode(fs, data) {
    const info = ctx.release.convertInode((0, import_kernel29.inodeInfoFromJSON)(data));
    if (info.alloc.layout === "rsv" && info.alloc.i_rsv_window) fs.rsvWindows.set(info.ino, info.alloc.i_rsv_window);
    return info;
  }
  function* ext3_import_state(format, snapshot, costs, lazy) {
    if (!formats.includes(format)) throw (0, import_kernel28.errno)("EINVAL", `ext3 v${ctx.release.version} cannot import ${format}`);
    const snap = snapshot;
    if (snap.format !== format) throw (0, import_kernel28.errno)("EINVAL", `snapshot is ${snap.format}, expected ${format}`);
    const staged = [];
    try {
      for (const s of snap.supers) {
        const sb = import_kernel31.super_blocks_by_id.get(s.id);
        if (!sb) throw (0, import_kernel28.errno)("ESTALE", `ext3: superblock ${s.id} (${s.dev}) is gone`);
        const old = ext3_handed_over(sb);
        const fs = yield* (0, import_kernel29.importState)(old.dev, s.engine, { now: ext3_clock(sb.s_kernel), logic: ctx.release, from: old.fs, costs });
        if (lazy) {
          fs.icache.takeLazily(old.fs.icache, (o) => ext3_import_inode(fs, lazy.exportInode(o)), costs.stateExportInode + costs.stateImportInode);
          yield costs.stateHandoverInode;
        } else {
          let converted = 0;
          for (const info of old.fs.icache.values()) {
            const mine = ctx.release.convertInode(info);
            if (mine !== info) converted++;
            fs.adopt(mine);
            if (mine.alloc.layout === "rsv" && mine.alloc.i_rsv_window) fs.rsvWindows.set(mine.ino, mine.alloc.i_rsv_window);
          }
          yield old.fs.icache.size * costs.stateHandoverInode + converted * costs.stateConvertInode;
        }
        staged.push({ sb, old, sbi: new Ext3SbInfo(fs, old.dev, old.inodes, ctx, old.id, old.writers) });
      }
    } catch (e) {
      for (const st of staged) st.sbi.fs.retired = true;
      throw e;
    }
    const bySb = new Map(staged.map((st) => [st.sb, st]));
    const fileFormat = ctx.formats.fileFormat;
    return {
      // same per-inode layout (v1 -> v2): the cached inodes are adopted as they are
      convertsInstances: snap.supers.some((s) => s.engine.layout !== layout),
      lazyInstances: lazy !== void 0,
      *drainRest() {
        for (const st of staged) {
          const cache = st.sbi.fs.icache;
          while (cache.lazy) {
            cache.convertNext(LAZY_BATCH);
            yield cache.takeDebt();
            yield* (0, import_kernel27.yieldCpu)();
          }
          if (cache.handingOver) cache.endHandOver();
        }
      },
      takeDebt() {
        let d = 0;
        for (const st of staged) d += st.sbi.fs.icache.takeDebt();
        return d;
      },
      lazyStats() {
        const out = { handedOver: 0, onUse: 0, background: 0, dropped: 0 };
        for (const st of staged) {
          const l = st.sbi.fs.icache.lazyStats;
          if (!l) continue;
          out.handedOver += l.handedOver;
          out.onUse += l.onUse;
          out.background += l.background;
          out.dropped += l.dropped;
        }
        return out;
      },
      convertInode(inode) {
        const st = bySb.get(inode.i_sb);
        if (!st) throw new Error(`ext3: inode ${inode.i_ino} of an unknown superblock`);
        const fs = st.sbi.fs;
        if (lazy) return ext3_switch_private(fs, inode, "background");
        const cached = fs.icache.get(inode.i_ino);
        if (cached) return cached;
        const old = inode.i_private;
        const info = ctx.release.convertInode(old);
        fs.adopt(info);
        if (info.alloc.layout === "rsv" && info.alloc.i_rsv_window) fs.rsvWindows.set(info.ino, info.alloc.i_rsv_window);
        return info;
      },
      convertFile(_file) {
        return new Ext3FileInfo(fileFormat);
      },
      commit() {
        for (const st of staged) {
          st.sb.s_fs_info = st.sbi;
          const kj = st.old.fs.kjournald;
          if (kj && st.sbi.fs.journal) {
            st.old.fs.kjournald = null;
            st.sbi.fs.kjournald = kj;
            kj.handOver(st.sbi.fs.journal);
            kj.unpark();
          }
          st.old.fs.retired = true;
          ctx.supers.add(st.sb);
        }
      },
      abort() {
        for (const st of staged) {
          st.sbi.fs.retired = true;
          st.old.fs.kjournald?.unpark();
        }
      }
    };
  }
  function* ext3_prepare() {
    for (const sb of [...ctx.supers]) {
      const fs = EXT3_SB(sb).fs;
      if (fs.readOnly || fs.retired) continue;
      const cyclesPerUs = sb.s_kernel.engine.cyclesPerUs;
      const wait = Math.round(PREPARE_WAIT_US * cyclesPerUs);
      if (!(yield* fs.syncWithin(wait))) continue;
      if (fs.kjournald) yield* fs.kjournald.park(wait, Math.round(KJOURNALD_PARK_LEASE_US * cyclesPerUs));
    }
  }
  return {
    exportFormats: formats,
    importFormats: formats,
    stateSchemas: pick(SCHEMAS, formats),
    inodeSchemas: pick(INODE_SCHEMAS, formats),
    prepare: ext3_prepare,
    exportState: ext3_export_state,
    exportInode: ext3_export_inode,
    importState: ext3_import_state
  };
}

// common/formats.ts
var GOAL_LAYOUT_FORMATS = {
  formats: [EXT3_STATE_V2],
  fileFormat: 2,
  exportAs: (_format, s) => s
};
function toGoalLayout(info) {
  return convertInodeV3toV2(info);
}

// common/module.ts
var import_kernel40 = require("modswap/kernel");
var import_kernel41 = require("modswap/kernel");
var import_kernel42 = require("modswap/kernel");
var import_kernel43 = require("modswap/kernel");

// common/file.ts
var import_kernel32 = require("modswap/kernel");
var import_kernel33 = require("modswap/kernel");
var import_kernel34 = require("modswap/kernel");
var DT_OF_FILETYPE = [import_kernel33.DT_UNKNOWN, import_kernel33.DT_REG, import_kernel33.DT_DIR, 2, 6, 1, 12, import_kernel33.DT_LNK];
function ext3_file_ops(ctx) {
  function* ext3_file_open(inode, file) {
    ctx.mod.instances.allocFile(file, () => new Ext3FileInfo(ctx.formats.fileFormat));
    if (file.f_mode & import_kernel33.FMODE_WRITE) {
      const w = EXT3_SB(inode.i_sb).writers;
      w.set(inode.i_ino, (w.get(inode.i_ino) ?? 0) + 1);
    }
  }
  function* ext3_release_file(inode, file) {
    ctx.mod.instances.freeFile(file);
    if (!(file.f_mode & import_kernel33.FMODE_WRITE)) return;
    const sbi = EXT3_SB(inode.i_sb);
    const left = (sbi.writers.get(inode.i_ino) ?? 1) - 1;
    if (left > 0) {
      sbi.writers.set(inode.i_ino, left);
      return;
    }
    sbi.writers.delete(inode.i_ino);
    const fs = sbi.fs;
    const info = fs.icache.get(inode.i_ino);
    if (!info || !ctx.release.alloc.hasReservation(info) || fs.retired) return;
    const tm = fs.truncateMutex(info);
    yield* tm.lock();
    try {
      ctx.release.alloc.discardReservation(fs, info);
    } finally {
      yield* tm.unlock();
    }
  }
  function* ext3_file_read(file, buf, ppos) {
    const inode = file.f_inode;
    const lock = inode.i_rwsem;
    yield* lock.down_read();
    try {
      const pos = ppos.pos;
      if (pos >= inode.i_size || buf.length === 0) return 0;
      const n = Math.min(buf.length, inode.i_size - pos);
      const data = yield* EXT3_SB(inode.i_sb).fs.read(inode.i_ino, pos, n);
      buf.set(data);
      ppos.pos = pos + data.length;
      return data.length;
    } finally {
      yield* lock.up_read();
    }
  }
  function* ext3_file_write(file, data, ppos) {
    const inode = file.f_inode;
    const lock = inode.i_rwsem;
    yield* lock.lock();
    try {
      if ((0, import_kernel34.generic_write_checks)(file, ppos, data.length) === 0) return 0;
      const pos = ppos.pos;
      const n = yield* EXT3_SB(inode.i_sb).fs.write(inode.i_ino, pos, data);
      ppos.pos = pos + n;
      ext3_touch(inode);
      ext3_sync_inode(inode);
      return n;
    } finally {
      yield* lock.unlock();
    }
  }
  function* ext3_sync_file(file, _datasync) {
    yield* EXT3_SB(file.f_inode.i_sb).fs.fsync(file.f_inode.i_ino);
  }
  function* ext3_dir_read(_file, _buf, _ppos) {
    throw (0, import_kernel32.errno)("EISDIR");
  }
  function* ext3_readdir(file, dc) {
    const inode = file.f_inode;
    const entries = yield* ctx.release.namei.readdir(EXT3_SB(inode.i_sb).fs, inode.i_ino, dc.pos);
    for (const e of entries) {
      if (!dc.actor(e.name, e.ino, DT_OF_FILETYPE[e.fileType] ?? import_kernel33.DT_UNKNOWN)) return;
      dc.pos = e.pos + 1;
    }
    dc.pos = Math.max(dc.pos, inode.i_size);
  }
  function* ext3_get_link(_dentry, inode) {
    return yield* ctx.release.namei.readlink(EXT3_SB(inode.i_sb).fs, inode.i_ino);
  }
  return { ext3_file_open, ext3_release_file, ext3_file_read, ext3_file_write, ext3_sync_file, ext3_dir_read, ext3_readdir, ext3_get_link };
}

// common/namei.ts
var import_kernel35 = require("modswap/kernel");
var import_kernel36 = require("modswap/kernel");
var import_kernel37 = require("modswap/kernel");
var import_kernel38 = require("modswap/kernel");
var import_kernel39 = require("modswap/kernel");
var RENAME_NOREPLACE = 1;
function nameTooLong(name) {
  return name.length > import_kernel38.NAME_MAX / 3 && Buffer.byteLength(name) > import_kernel38.NAME_MAX;
}
function newOwner(dir, mode, cred) {
  if (dir.i_mode & import_kernel39.S_ISGID) return { mode: (0, import_kernel39.S_ISDIR)(mode) ? mode | import_kernel39.S_ISGID : mode, uid: cred.uid, gid: dir.i_gid };
  return { mode, uid: cred.uid, gid: cred.gid };
}
function ext3_namei_operations(ctx) {
  function* instantiate(dir, dentry, ino) {
    const inode = yield* ext3_iget(ctx, dir.i_sb, ino);
    (0, import_kernel36.d_instantiate)(dentry, inode);
    ext3_touch(dir);
    ext3_sync_inode(dir);
  }
  function* ext3_lookup(dir, dentry) {
    if (nameTooLong(dentry.d_name)) throw (0, import_kernel35.errno)("ENAMETOOLONG");
    if (dir.i_nlink === 0) {
      (0, import_kernel36.d_add)(dentry, null);
      return;
    }
    const ino = yield* lookupIno(EXT3_SB(dir.i_sb).fs, dir.i_ino, dentry.d_name);
    if (ino === 0) {
      (0, import_kernel36.d_add)(dentry, null);
      return;
    }
    (0, import_kernel36.d_add)(dentry, yield* ext3_iget(ctx, dir.i_sb, ino));
  }
  function* ext3_create(dir, dentry, mode, _excl, cred) {
    const o = newOwner(dir, mode & ~import_kernel39.S_IFMT | import_kernel39.S_IFREG, cred);
    const info = yield* ctx.release.namei.create(EXT3_SB(dir.i_sb).fs, dir.i_ino, dentry.d_name, o.mode, o.uid, o.gid);
    yield* instantiate(dir, dentry, info.ino);
  }
  function* ext3_mkdir(dir, dentry, mode, cred) {
    const o = newOwner(dir, mode & ~import_kernel39.S_IFMT | import_kernel39.S_IFDIR, cred);
    const info = yield* ctx.release.namei.mkdir(EXT3_SB(dir.i_sb).fs, dir.i_ino, dentry.d_name, o.mode, o.uid, o.gid);
    yield* instantiate(dir, dentry, info.ino);
  }
  function* ext3_symlink(dir, dentry, target, cred) {
    const o = newOwner(dir, import_kernel39.S_IFLNK | 511, cred);
    const info = yield* ctx.release.namei.symlink(EXT3_SB(dir.i_sb).fs, dir.i_ino, dentry.d_name, target, o.uid, o.gid);
    yield* instantiate(dir, dentry, info.ino);
  }
  function* ext3_link(oldDentry, dir, dentry) {
    const inode = oldDentry.d_inode;
    yield* ctx.release.namei.link(EXT3_SB(dir.i_sb).fs, inode.i_ino, dir.i_ino, dentry.d_name);
    (0, import_kernel37.ihold)(inode);
    (0, import_kernel36.d_instantiate)(dentry, inode);
    ext3_touch(inode, false);
    ext3_sync_inode(inode);
    ext3_touch(dir);
    ext3_sync_inode(dir);
  }
  function* ext3_unlink(dir, dentry) {
    const inode = dentry.d_inode;
    yield* ctx.release.namei.unlink(EXT3_SB(dir.i_sb).fs, dir.i_ino, dentry.d_name);
    ext3_touch(inode, false);
    ext3_sync_inode(inode);
    ext3_touch(dir);
    ext3_sync_inode(dir);
  }
  function* ext3_rmdir(dir, dentry) {
    const inode = dentry.d_inode;
    yield* ctx.release.namei.rmdir(EXT3_SB(dir.i_sb).fs, dir.i_ino, dentry.d_name);
    ext3_touch(inode, false);
    ext3_sync_inode(inode);
    ext3_touch(dir);
    ext3_sync_inode(dir);
  }
  function* ext3_rename2(oldDir, oldDentry, newDir, newDentry, flags) {
    if (flags & ~RENAME_NOREPLACE) throw (0, import_kernel35.errno)("EINVAL");
    const target = newDentry.d_inode;
    if (target && flags & RENAME_NOREPLACE) throw (0, import_kernel35.errno)("EEXIST");
    const source = oldDentry.d_inode;
    yield* ctx.release.namei.rename(EXT3_SB(oldDir.i_sb).fs, oldDir.i_ino, oldDentry.d_name, newDir.i_ino, newDentry.d_name);
    for (const inode of /* @__PURE__ */ new Set([source, oldDir, newDir, ...target ? [target] : []])) {
      ext3_touch(inode, inode !== source && inode !== target);
      ext3_sync_inode(inode);
    }
  }
  return { ext3_lookup, ext3_create, ext3_mkdir, ext3_symlink, ext3_link, ext3_unlink, ext3_rmdir, ext3_rename: ext3_rename2 };
}

// common/module.ts
function instantiateRelease(release, formats, mod) {
  const ctx = { mod, release, formats, supers: /* @__PURE__ */ new Set(), tables: null, kernel: null };
  const n = ext3_namei_operations(ctx);
  const f = ext3_file_ops(ctx);
  const s = ext3_super_operations(ctx);
  const ext3_file_operations = {
    owner: mod,
    open: f.ext3_file_open,
    release: f.ext3_release_file,
    read: f.ext3_file_read,
    write: f.ext3_file_write,
    llseek: import_kernel41.generic_file_llseek,
    fsync: f.ext3_sync_file
  };
  const ext3_dir_operations = {
    owner: mod,
    open: f.ext3_file_open,
    release: f.ext3_release_file,
    read: f.ext3_dir_read,
    iterate: f.ext3_readdir,
    llseek: import_kernel41.generic_file_llseek,
    fsync: f.ext3_sync_file
  };
  const ext3_file_inode_operations = { setattr: ext3_setattr };
  const ext3_dir_inode_operations = {
    create: n.ext3_create,
    lookup: n.ext3_lookup,
    link: n.ext3_link,
    unlink: n.ext3_unlink,
    symlink: n.ext3_symlink,
    mkdir: n.ext3_mkdir,
    rmdir: n.ext3_rmdir,
    rename: n.ext3_rename,
    setattr: ext3_setattr
  };
  const ext3_symlink_inode_operations = { get_link: f.ext3_get_link, setattr: ext3_setattr };
  const ext3_special_inode_operations = { setattr: ext3_setattr };
  const ext3_sops = {
    destroy_inode: function* (inode) {
      ext3_destroy_inode(ctx, inode);
    },
    evict_inode: ext3_evict_inode,
    put_super: s.ext3_put_super,
    sync_fs: s.ext3_sync_fs,
    statfs: s.ext3_statfs
  };
  const ext3_fs_type = {
    name: "ext3",
    fs_flags: import_kernel42.FS_REQUIRES_DEV,
    owner: mod,
    mount: s.ext3_mount,
    kill_sb: s.ext3_kill_sb
  };
  ctx.tables = {
    ext3_file_operations,
    ext3_dir_operations,
    ext3_file_inode_operations,
    ext3_dir_inode_operations,
    ext3_symlink_inode_operations,
    ext3_special_inode_operations,
    ext3_sops,
    ext3_fs_type
  };
  return {
    tables: (0, import_kernel43.exportTables)({
      file_operations: { ext3_file_operations, ext3_dir_operations },
      inode_operations: { ext3_file_inode_operations, ext3_dir_inode_operations, ext3_symlink_inode_operations, ext3_special_inode_operations },
      super_operations: { ext3_sops },
      file_system_type: { ext3_fs_type }
    }),
    /** module_init: register the type (during a live update the VFS stages it until redirect). */
    *init(kernel) {
      ctx.kernel = kernel;
      (0, import_kernel40.register_filesystem)(kernel, ext3_fs_type);
    },
    /** module_exit: unregister, unless a newer release's type has taken the name over. */
    *exit(kernel) {
      if (kernel.file_systems.get("ext3") === ext3_fs_type) (0, import_kernel40.unregister_filesystem)(kernel, ext3_fs_type);
    },
    update: ext3_update_hooks(ctx)
  };
}
function ext3ModuleDefinition(spec) {
  return {
    name: "ext3",
    version: String(spec.release.version),
    description: spec.description,
    license: "GPL",
    depends: [],
    size: 98304,
    instantiate: (mod) => instantiateRelease(spec.release, spec.formats, mod)
  };
}

// v1/rename.ts
var import_kernel44 = require("modswap/kernel");
function* ext3_rename(fs, oldDir, oldName, newDir, newName) {
  if (oldName === "." || oldName === ".." || newName === "." || newName === "..") throw (0, import_kernel44.errno)("EINVAL");
  checkName(newName);
  if (!(0, import_kernel44.S_ISDIR)(oldDir.disk.i_mode) || !(0, import_kernel44.S_ISDIR)(newDir.disk.i_mode)) throw (0, import_kernel44.errno)("ENOTDIR");
  const src = yield* dirLookup(fs, oldDir, oldName);
  if (!src) throw (0, import_kernel44.errno)("ENOENT");
  const srcInfo = yield* fs.iget(src.ino);
  const srcIsDir = (0, import_kernel44.S_ISDIR)(srcInfo.disk.i_mode);
  const crossDir = oldDir.ino !== newDir.ino;
  if (srcIsDir && crossDir && (yield* isAncestor(fs, srcInfo.ino, newDir))) throw (0, import_kernel44.errno)("EINVAL");
  const dst = yield* dirLookup(fs, newDir, newName);
  let dstInfo;
  if (dst) {
    if (dst.ino === src.ino) return 0;
    dstInfo = yield* fs.iget(dst.ino);
    const dstIsDir = (0, import_kernel44.S_ISDIR)(dstInfo.disk.i_mode);
    if (srcIsDir && !dstIsDir) throw (0, import_kernel44.errno)("ENOTDIR");
    if (!srcIsDir && dstIsDir) throw (0, import_kernel44.errno)("EISDIR");
    if (dstIsDir && !(yield* dirIsEmpty(fs, dstInfo))) throw (0, import_kernel44.errno)("ENOTEMPTY");
  }
  const ft = (0, import_kernel44.fileTypeOfMode)(srcInfo.disk.i_mode);
  let orphan = 0;
  if (dst && dstInfo) {
    yield* dirSetEntry(fs, newDir, dst, srcInfo.ino, ft);
    if ((0, import_kernel44.S_ISDIR)(dstInfo.disk.i_mode)) {
      yield* killDir(fs, dstInfo);
      if (newDir.disk.i_links_count > 2) newDir.disk.i_links_count--;
      yield* fs.writeInode(newDir);
    } else {
      yield* decLink(fs, dstInfo);
    }
    if (dstInfo.disk.i_links_count === 0) orphan = dstInfo.ino;
  } else {
    yield* dirAddEntry(fs, newDir, newName, srcInfo.ino, ft);
  }
  yield* dirRemoveEntry(fs, oldDir, oldName);
  if (srcIsDir && crossDir) {
    const dotdot = yield* dirLookup(fs, srcInfo, "..");
    if (!dotdot) throw (0, import_kernel44.errno)("EUCLEAN", `directory ${srcInfo.ino} has no '..'`);
    yield* dirSetEntry(fs, srcInfo, dotdot, newDir.ino, import_kernel44.EXT2_FT_DIR);
    yield* fs.writeInode(oldDir);
    yield* fs.writeInode(newDir);
  }
  srcInfo.disk.i_ctime = fs.now();
  yield* fs.writeInode(srcInfo);
  yield* touchDir(fs, oldDir);
  if (crossDir) yield* touchDir(fs, newDir);
  return orphan;
}

// v1/index.ts
var ext2_release = {
  version: 1,
  name: "ext3 release 1 (rename link-count bug)",
  alloc: goalAllocPolicy,
  balloc: ext3_balloc,
  namei: ext3EngineOps(ext3_rename),
  rename: ext3_rename,
  convertInode: toGoalLayout
};
var index_default = ext3ModuleDefinition({
  release: ext2_release,
  formats: GOAL_LAYOUT_FORMATS,
  description: "ext3 v1: journaling ext2 file system on a block device (rename link-count bug)"
});
