/**
 * Ext2InodeInfo: the in-memory inode the engine caches (Linux's
 * ext2_inode_info / ext3_inode_info): the decoded disk inode plus per-inode
 * state that is never written to disk. The block-allocation state has two
 * layouts, one per module generation (see logic.ts):
 *
 *   'goal' (v1, v2): i_next_alloc_block / i_next_alloc_goal, the logical
 *                    block expected next and the physical block to try for it;
 *   'rsv'  (v3):     a reservation window { start, end, goal } plus the last
 *                    logical/physical block allocated.
 *
 * The converters below translate one cached inode between the layouts; a
 * live update runs them over every cached inode.
 */
import { type DiskInodeJSON, type Ext2DiskInode, diskInodeFromJSON, diskInodeToJSON } from './inode.ts';
import type { InodeLayout } from './logic.ts';

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

export function initialAllocState(layout: InodeLayout): InodeAllocState {
  return layout === 'goal'
    ? { layout: 'goal', i_next_alloc_block: 0, i_next_alloc_goal: 0 }
    : { layout: 'rsv', i_rsv_window: null, i_last_alloc_logical: -1, i_last_alloc_physical: 0 };
}

/**
 * v2 -> v3: carry the allocation goal over; no window is reserved yet (the
 * first allocation after the update reserves one around the goal).
 */
export function convertInodeV2toV3(info: Ext2InodeInfo): Ext2InodeInfo {
  const a = info.alloc;
  if (a.layout === 'rsv') return info;
  const out = new Ext2InodeInfo(info.ino, info.disk, info.i_block_group, {
    layout: 'rsv',
    i_rsv_window: null,
    i_last_alloc_logical: a.i_next_alloc_block - 1,
    i_last_alloc_physical: a.i_next_alloc_goal > 0 ? a.i_next_alloc_goal - 1 : 0,
  });
  out.i_dir_start_lookup = info.i_dir_start_lookup;
  return out;
}

/** v3 -> v2 (rollback): the window is dropped, the last allocation becomes the goal. */
export function convertInodeV3toV2(info: Ext2InodeInfo): Ext2InodeInfo {
  const a = info.alloc;
  if (a.layout === 'goal') return info;
  const out = new Ext2InodeInfo(info.ino, info.disk, info.i_block_group, {
    layout: 'goal',
    i_next_alloc_block: a.i_last_alloc_logical + 1,
    i_next_alloc_goal: a.i_last_alloc_physical > 0 ? a.i_last_alloc_physical + 1 : 0,
  });
  out.i_dir_start_lookup = info.i_dir_start_lookup;
  return out;
}

/** Convert to whichever layout `layout` names. */
export function convertInodeInfo(info: Ext2InodeInfo, layout: InodeLayout): Ext2InodeInfo {
  return layout === 'rsv' ? convertInodeV2toV3(info) : convertInodeV3toV2(info);
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
