/**
 * The code an ext3 release brings to the engine (what Linux's ext3.ko
 * contains beyond the helpers the kernel exports): its name-space
 * operations on engine inodes (namei, directories: `namei`), its `rename`,
 * its block and inode allocators (`balloc`; ialloc is inside `namei`), its
 * data-block placement policy and the layout of its per-inode allocation
 * state (the part of ext3_inode_info that differs between releases), with
 * the conversion from another release's layout. The engine calls these
 * functions; it holds no switch that picks a behaviour by version, and no
 * copy of them: they are module source (modules-src/ext3), so every
 * caller, the K42 file service and tools included, runs a loaded bundle's.
 *
 * A release object comes from a module bundle (modules-src/ext3/vN, built
 * into packages/ext3-vN): the Linux-path module passes its own to every
 * engine it mounts, and the K42 file service finds the code of version N
 * through `ext2Release(N)`, which the host's package loader fills
 * (`setExt2ReleaseProvider`) from the same bundles.
 *
 * Without a release (`EXT2_NO_MODULE`) the engine mounts, reads and
 * unmounts; anything that names, allocates or places blocks is ENOSYS.
 * mkfs, which writes the journal inode through the engine, brings its own
 * minimal allocator (mkfs.ts), as mke2fs does in libext2fs.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import type { Ext2Fs } from './fs.ts';
import type { Ext2InodeInfo, InodeAllocState } from './inode-info.ts';

/** Name of a per-inode allocation-state layout (the ext3_inode_info format tag). */
export type InodeLayout = 'goal' | 'rsv';

/** Block placement: where the next data block of an inode goes, and what the inode remembers. */
export interface Ext2AllocPolicy {
  /** The layout tag of the state below. */
  readonly layout: InodeLayout;
  /** Per-inode allocation state of a freshly read or created inode. */
  initialAllocState(): InodeAllocState;
  /** Goal block for logical block `lblk` of `info` (may read the block map). */
  dataGoal(fs: Ext2Fs, info: Ext2InodeInfo, lblk: number): Sim<number>;
  /** `info` just got physical block `blk` for logical block `lblk`. */
  noteAllocated(fs: Ext2Fs, info: Ext2InodeInfo, lblk: number, blk: number): void;
  /** Does `info` hold an in-memory reservation (worth taking the lock to drop)? */
  hasReservation(info: Ext2InodeInfo): boolean;
  /** Drop in-memory reservations of `info` (last writer's close, free). */
  discardReservation(fs: Ext2Fs, info: Ext2InodeInfo): void;
  /** `info` was truncated: forget where its data was going. */
  truncated(fs: Ext2Fs, info: Ext2InodeInfo): void;
}

/** Bitmap allocation of blocks (Linux ext3_new_block / ext3_free_blocks). */
export interface Ext2BlockAllocator {
  /** Claim a free block near `goal` for `owner` (ENOSPC when none). Caller holds a handle. */
  allocBlock(fs: Ext2Fs, goal: number, owner: Ext2InodeInfo | undefined): Sim<number>;
  /** Return `blk` to its group (EUCLEAN if it is already free). */
  freeBlock(fs: Ext2Fs, blk: number): Sim<void>;
}

/** One live entry of a directory (engine readdir). */
export interface Ext2ReaddirEntry {
  name: string;
  ino: number;
  fileType: number;
  /** Byte position of the record in the directory (a telldir cookie). */
  pos: number;
}

/**
 * The engine's inode-level name operations, each one whole JBD2 handle (the
 * module starts and stops it, as ext3_create does). Every caller (the
 * module's VFS slots, the K42 file service, tools, tests) reaches them as
 * `fs.logic.namei.op(fs, ...)`: the code of the release the engine runs.
 * Errors are ErrnoError; inodes are numbers.
 */
export interface Ext2NameOps {
  /** Inode number `name` maps to in directory `dir`; ENOENT if none. */
  lookup(fs: Ext2Fs, dir: number, name: string): Sim<number>;
  /** A non-directory (regular unless `mode` says fifo, socket, device; `rdev` for devices). */
  create(fs: Ext2Fs, dir: number, name: string, mode: number, uid: number, gid: number, rdev?: number): Sim<Ext2InodeInfo>;
  mkdir(fs: Ext2Fs, dir: number, name: string, mode: number, uid: number, gid: number): Sim<Ext2InodeInfo>;
  /** Remove a non-directory name; returns its inode (an orphan until drop if no names remain). */
  unlink(fs: Ext2Fs, dir: number, name: string): Sim<number>;
  rmdir(fs: Ext2Fs, dir: number, name: string): Sim<number>;
  /** rename(2) with overwrite (the release's `rename`); returns a replaced inode left without names, or 0. */
  rename(fs: Ext2Fs, oldDir: number, oldName: string, newDir: number, newName: string): Sim<number>;
  link(fs: Ext2Fs, ino: number, dir: number, name: string): Sim<void>;
  symlink(fs: Ext2Fs, dir: number, name: string, target: string, uid: number, gid: number): Sim<Ext2InodeInfo>;
  readlink(fs: Ext2Fs, ino: number): Sim<string>;
  /** Live entries in on-disk order from byte position `pos`. */
  readdir(fs: Ext2Fs, dir: number, pos?: number): Sim<Ext2ReaddirEntry[]>;
  /** The last reference to `ino` is gone: free it if it has no names, evict it. */
  drop(fs: Ext2Fs, ino: number): Sim<void>;
}

export interface Ext2Release {
  readonly version: number;
  readonly name: string;
  readonly alloc: Ext2AllocPolicy;
  readonly balloc: Ext2BlockAllocator;
  readonly namei: Ext2NameOps;
  /**
   * rename(2) at inode level (the engine runs it as one transaction under
   * its op lock): returns the inode number of a replaced target left with
   * no names (an orphan), or 0.
   */
  rename(fs: Ext2Fs, oldDir: Ext2InodeInfo, oldName: string, newDir: Ext2InodeInfo, newName: string): Sim<number>;
  /** A cached inode in another release's layout, in this release's (same object if already). */
  convertInode(info: Ext2InodeInfo): Ext2InodeInfo;
}

function* noModule(what: string): Sim<never> {
  throw errno('ENOSYS', `${what} is module code: mount with an ext3 release`);
}

/** Allocation state of an inode read without module code (the goal layout's zero state: no policy runs on it). */
const NO_POLICY: Ext2AllocPolicy = {
  layout: 'goal',
  initialAllocState: (): InodeAllocState => ({ layout: 'goal', i_next_alloc_block: 0, i_next_alloc_goal: 0 }),
  dataGoal: () => noModule('block placement'),
  noteAllocated(): void {},
  hasReservation: () => false,
  discardReservation(): void {},
  truncated(): void {},
};

const NO_NAMEI: Ext2NameOps = {
  lookup: () => noModule('lookup'),
  create: () => noModule('create'),
  mkdir: () => noModule('mkdir'),
  unlink: () => noModule('unlink'),
  rmdir: () => noModule('rmdir'),
  rename: () => noModule('rename'),
  link: () => noModule('link'),
  symlink: () => noModule('symlink'),
  readlink: () => noModule('readlink'),
  readdir: () => noModule('readdir'),
  drop: () => noModule('drop'),
};

/** The engine without module code: mount, read inodes, unmount (tools); see above. */
export const EXT2_NO_MODULE: Ext2Release = {
  version: 0,
  name: 'ext2 engine without module code',
  alloc: NO_POLICY,
  balloc: { allocBlock: () => noModule('block allocation'), freeBlock: () => noModule('block allocation') },
  namei: NO_NAMEI,
  rename: () => noModule('rename'),
  convertInode(info: Ext2InodeInfo): Ext2InodeInfo {
    if (info.alloc.layout !== 'goal') throw new Error(`no module code to convert a '${info.alloc.layout}' inode`);
    return info;
  },
};

let provider: ((version: number) => Ext2Release) | null = null;

/** Installed by the host's package loader: version -> that release's code, loaded from its package. */
export function setExt2ReleaseProvider(p: ((version: number) => Ext2Release) | null): void {
  provider = p;
}

/** The code of ext3 release `version` (the K42 file service's objects of that version run it). */
export function ext2Release(version: number): Ext2Release {
  if (!provider) throw new Error(`ext3 release ${version}: no package loader installed (import src/modules to load release packages)`);
  return provider(version);
}
