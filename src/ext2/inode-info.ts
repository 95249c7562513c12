/**
 * Ext2InodeInfo: the in-memory inode the engine caches (Linux's
 * ext2_inode_info / ext3_inode_info): the decoded disk inode plus per-inode
 * state that is never written to disk. The block-allocation state has two
 * layouts (release.ts; the code that keeps each is the module's):
 *
 *   'goal' (v1, v2): i_next_alloc_block / i_next_alloc_goal, the logical
 *                    block expected next and the physical block to try for it;
 *   'rsv'  (v3):     a reservation window { start, end, goal } plus the last
 *                    logical/physical block allocated.
 *
 * The converters between layouts are module code (modules-src/ext3);
 * the JSON codec below is the kernel's (the state-transfer data format).
 */
import { type DiskInodeJSON, type Ext2DiskInode, diskInodeFromJSON, diskInodeToJSON } from './inode.ts';
import type { FsLock } from './lock.ts';

export interface RsvWindow {
  /** First and last block of the window (inclusive). */
  start: number;
  end: number;
  /** Window size to ask for next time (grows when the window is used up). */
  goal: number;
}

export interface GoalAllocState {
  layout: 'goal';
  i_next_alloc_block: number;
  i_next_alloc_goal: number;
}

export interface RsvAllocState {
  layout: 'rsv';
  i_rsv_window: RsvWindow | null;
  i_last_alloc_logical: number;
  i_last_alloc_physical: number;
}

export type InodeAllocState = GoalAllocState | RsvAllocState;

export class Ext2InodeInfo {
  /** Directory block where the last lookup succeeded (ext2's i_dir_start_lookup). */
  i_dir_start_lookup = 0;
  /**
   * truncate_mutex, made on first use by the engine that owns it (Ext2Fs.truncateMutex;
   * kept here, not in a per-engine WeakMap: it is looked up on every write). Not state:
   * never exported.
   */
  i_truncate_mutex: { readonly owner: object; readonly lock: FsLock } | null = null;
  constructor(
    readonly ino: number,
    public disk: Ext2DiskInode,
    /** Block group of the inode. */
    readonly i_block_group: number,
    public alloc: InodeAllocState,
  ) {}

  get i_block(): number[] {
    return this.disk.i_block;
  }
}

export interface InodeInfoJSON {
  ino: number;
  group: number;
  disk: DiskInodeJSON;
  alloc: InodeAllocState;
  dirStartLookup: number;
}

export function inodeInfoToJSON(info: Ext2InodeInfo): InodeInfoJSON {
  return {
    ino: info.ino,
    group: info.i_block_group,
    disk: diskInodeToJSON(info.disk),
    alloc: structuredClone(info.alloc),
    dirStartLookup: info.i_dir_start_lookup,
  };
}

export function inodeInfoFromJSON(j: InodeInfoJSON): Ext2InodeInfo {
  const info = new Ext2InodeInfo(j.ino, diskInodeFromJSON(j.disk), j.group, structuredClone(j.alloc));
  info.i_dir_start_lookup = j.dirStartLookup;
  return info;
}
