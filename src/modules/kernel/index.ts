/**
 * The kernel symbol ABI (`modswap/kernel`): everything a loadable module may
 * use, and nothing else. It is Linux's EXPORT_SYMBOL list: a module bundle
 * (modules-src/*, built by `modswap pack`) imports only this entry point,
 * and the loader links the bundle against this very object (the running
 * kernel's symbol table), never against node's module resolution.
 *
 * Changing what is exported here changes the ABI digest (abi.ts) every
 * package records; a package built against another digest is refused at
 * load with ENOEXEC. Bump KERNEL_ABI_VERSION when a symbol keeps its name
 * and kind but changes its meaning or signature (the digest covers names
 * and kinds, the version covers the rest, as vermagic does for modversions).
 *
 * Types are listed too (they are erased from the bundle; a module's source
 * is type-checked against them).
 */

// ---- the simulation's effects, errors and the machine's cost table ------------------
export type { Sim, Effect } from '../../sim/effects.ts';
export { compute, sleep, yieldCpu } from '../../sim/effects.ts';
export { errno, isErrno, ErrnoError } from '../../uapi/errno.ts';
export type { Engine } from '../../sim/engine.ts';
export { Mutex } from '../../sim/locks.ts';
export type { CostTable } from '../../hw-ppc64/costs.ts';

// ---- block devices --------------------------------------------------------------------
export type { BlockDevice } from '../../hw-ppc64/blockdev.ts';

// ---- user ABI constants and structures a file system fills in ------------------------------
export { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, S_ISDIR, S_ISGID, S_ISLNK, type Statfs } from '../../uapi/stat.ts';
export { O_APPEND } from '../../uapi/fcntl.ts';

// ---- VFS: objects, helpers, libfs, registration ------------------------------------------
export type { Kernel } from '../../vfs/kernel.ts';
export type { Cred } from '../../vfs/task.ts';
export { Inode, ihold } from '../../vfs/inode.ts';
export { d_add, d_instantiate, d_make_root, type Dentry } from '../../vfs/dentry.ts';
export type { OpenFile } from '../../vfs/file.ts';
export type { DirContext, LoffT, FileOperations, FileSystemType, InodeOperations, SuperOperations } from '../../vfs/ops.ts';
export { alloc_super, generic_shutdown_super, type SuperBlock } from '../../vfs/super.ts';
export { claim_bdev, release_bdev } from '../../vfs/namespace.ts';
export { register_filesystem, unregister_filesystem } from '../../vfs/filesystems.ts';
export { generic_file_llseek, generic_write_checks } from '../../vfs/libfs.ts';
export { simple_setattr_copy } from '../../vfs/attr.ts';
export {
  ATTR_ATIME, ATTR_CTIME, ATTR_GID, ATTR_MODE, ATTR_MTIME, ATTR_SIZE, ATTR_UID, type Iattr,
  DT_DIR, DT_LNK, DT_REG, DT_UNKNOWN, FMODE_WRITE, FS_REQUIRES_DEV, MS_RDONLY, NAME_MAX,
} from '../../vfs/types.ts';
export { super_blocks_by_id } from './super-table.ts';

// ---- the buffer cache -------------------------------------------------------------------
export { BufferCache } from '../../vfs/buffer.ts';

// ---- ext2/ext3 on-disk format and codecs, bitmaps, block maps, block I/O, JBD2 (the engine library) ------
// (ext3's own logic, namei, directories, the allocators and placement policies,
// is not here: it is module source, modules-src/ext3/common.)
export { Ext2Fs, type Ext2StatFs } from '../../ext2/fs.ts';
export { simLocking } from '../../ext2/lock.ts';
export { maxFileSize, hasBlockMap, isFastSymlink, type Ext2SetAttr } from '../../ext2/file.ts';
export { bmapCreate, bmapLookup, truncateBlocks } from '../../ext2/blockmap.ts';
export { clearBit, findFirstZero, setBit, testBit } from '../../ext2/bitmap.ts';
export { groupBlockCount, groupFirstBlock } from '../../ext2/group.ts';
export { newDiskInode } from '../../ext2/inode.ts';
export { checkMagic, decodeSuperBlock } from '../../ext2/superblock.ts';
export {
  COST, EXT2_FT_DIR, EXT2_INDEX_FL, EXT2_LINK_MAX, EXT2_NAME_LEN, EXT2_ROOT_INO, SUPERBLOCK_OFFSET, fileTypeOfMode, le32, put32,
} from '../../ext2/layout.ts';
export {
  deleteDirEntry, emptyDirBlock, initDirBlock, insertDirEntry, namesEqual, nameBytes, nameString, parseDirBlock, setDirEntryInode,
  type Ext2DirEntry,
} from '../../ext2/dirent.ts';
export { Ext2InodeInfo, inodeInfoFromJSON, inodeInfoToJSON, type InodeAllocState, type GoalAllocState, type RsvAllocState, type RsvWindow } from '../../ext2/inode-info.ts';
export { EXT2_STATE_FORMAT, exportState, importState, type Ext2StateSnapshot } from '../../ext2/state.ts';
export type { Ext2Release, Ext2AllocPolicy, Ext2BlockAllocator, Ext2NameOps, Ext2ReaddirEntry, InodeLayout } from '../../ext2/release.ts';

// ---- modules and live update ----------------------------------------------------------------
export { exportTables, type Module, type ModuleBody, type ModuleDefinition, type ExportedTable } from '../core/module.ts';
export type { LazyInstanceExport, LiveUpdateHooks, StagedTakeover } from '../core/hooks.ts';

// ---- validation (zod) for a module's state formats --------------------------------------------
export { z } from 'zod';

// ---- the ABI's own identity ------------------------------------------------------------------
export { KERNEL_ABI_VERSION } from './abi-version.ts';
