/**
 * The code an ext3 release brings to the engine (what Linux's ext3.ko
 * contains beyond the helpers the kernel exports): its `rename`, its
 * block-allocation policy and the layout of its per-inode allocation state
 * (the part of ext3_inode_info that differs between releases), with the
 * conversion from another release's layout. The engine calls these
 * functions; it holds no switch that picks a behaviour by version.
 *
 * A release object comes from a module bundle (modules-src/ext3/vN, built
 * into packages/ext3-vN): the Linux-path module passes its own to every
 * engine it mounts, and the K42 file service finds the code of version N
 * through `ext2Release(N)`, which the host's package loader fills
 * (`setExt2ReleaseProvider`) from the same bundles.
 *
 * Without a release the engine still mounts, reads, writes (with the
 * kernel's generic goal allocator, `EXT2_GOAL_ALLOC`) and creates (mkfs
 * uses that), but `rename` is ENOSYS: the rename code lives in the module.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import type { Ext2Fs } from './fs.ts';
import type { Ext2InodeInfo, InodeAllocState } from './inode-info.ts';
import { goalAllocPolicy } from './file.ts';

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

export interface Ext2Release {
  readonly version: number;
  readonly name: string;
  readonly alloc: Ext2AllocPolicy;
  /**
   * rename(2) at inode level (the engine runs it as one transaction under
   * its op lock): returns the inode number of a replaced target left with
   * no names (an orphan), or 0.
   */
  rename(fs: Ext2Fs, oldDir: Ext2InodeInfo, oldName: string, newDir: Ext2InodeInfo, newName: string): Sim<number>;
  /** A cached inode in another release's layout, in this release's (same object if already). */
  convertInode(info: Ext2InodeInfo): Ext2InodeInfo;
}

/** The engine without module code: generic allocator, no rename (mkfs and tools). */
export const EXT2_NO_MODULE: Ext2Release = {
  version: 0,
  name: 'ext2 engine without module code',
  alloc: goalAllocPolicy,
  *rename(): Sim<number> {
    throw errno('ENOSYS', 'rename is module code: mount with an ext3 release');
  },
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
