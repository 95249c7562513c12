/**
 * Public surface of the shared ext2/ext3 library (no VFS or K42 imports):
 * the engine, its options and version hooks, live-update state transfer,
 * mkfs, and the codecs for tools and tests.
 */
export { Ext2Fs, type Ext2MountOptions, type Ext2StatFs } from './fs.ts';
export { Ext2InodeInfo, inodeInfoToJSON, inodeInfoFromJSON, type RsvWindow, type InodeAllocState, type GoalAllocState, type RsvAllocState, type InodeInfoJSON } from './inode-info.ts';
export { EXT2_NO_MODULE, ext2Release, setExt2ReleaseProvider, type Ext2Release, type Ext2AllocPolicy, type Ext2BlockAllocator, type Ext2NameOps, type Ext2ReaddirEntry, type InodeLayout } from './release.ts';
export { exportState, importState, type Ext2ExportOptions, type Ext2ImportOptions, type Ext2StateSnapshot } from './state.ts';
export { mkfs, type MkfsOptions } from './mkfs.ts';
export { BlockCache, BufferHead } from './cache.ts';
export type { Ext2SetAttr } from './file.ts';
export type { RecoveryInfo } from './recovery.ts';
export * from './layout.ts';
export { simLocking, SINGLE_THREADED, type Ext2Locking, type FsLock, type FsWaitQueue } from './lock.ts';
