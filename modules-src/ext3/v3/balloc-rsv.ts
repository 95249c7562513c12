/**
 * Release 3's block allocator: per-inode reservation windows (as Linux
 * ext3 gained in 2.6.10). Each inode holds a window { start, end, goal } of
 * blocks reserved in memory for its next allocations, so concurrent writers
 * get contiguous files; the block allocator (common/balloc.ts) skips blocks in
 * other inodes' windows (`Ext2Fs.rsvWindows`). The window lives in the
 * inode's allocation state, so this release's ext3_inode_info has its own
 * layout ('rsv'): a live update from release 2 converts every cached inode.
 *
 * Called by the engine under its op lock; never blocks except for the
 * block-map read of the fallback goal.
 */
import { fallbackGoal } from '../common/balloc-goal.ts';
import { type Ext2AllocPolicy, type Ext2Fs, type Ext2InodeInfo, type InodeAllocState, type RsvAllocState, type Sim } from 'modswap/kernel';

/** Size of a fresh reservation window in blocks. */
export const RSV_WINDOW_BLOCKS = 8;
/** A window that filled up doubles, up to this many blocks. */
const RSV_WINDOW_MAX = 1024;

function rsvState(info: Ext2InodeInfo): RsvAllocState {
  if (info.alloc.layout !== 'rsv') throw new Error(`inode ${info.ino}: '${info.alloc.layout}' allocation state under the reservation allocator`);
  return info.alloc;
}

function discard(fs: Ext2Fs, info: Ext2InodeInfo): void {
  rsvState(info).i_rsv_window = null;
  fs.rsvWindows.delete(info.ino);
}

export const rsvAllocPolicy: Ext2AllocPolicy = {
  layout: 'rsv',
  initialAllocState: (): InodeAllocState => ({ layout: 'rsv', i_rsv_window: null, i_last_alloc_logical: -1, i_last_alloc_physical: 0 }),
  *dataGoal(fs: Ext2Fs, info: Ext2InodeInfo, lblk: number): Sim<number> {
    const a = rsvState(info);
    const w = a.i_rsv_window;
    if (w && a.i_last_alloc_physical + 1 >= w.start && a.i_last_alloc_physical + 1 <= w.end) return a.i_last_alloc_physical + 1;
    if (w) return w.start;
    if (a.i_last_alloc_physical) return a.i_last_alloc_physical + 1;
    return yield* fallbackGoal(fs, info, lblk);
  },
  noteAllocated(fs: Ext2Fs, info: Ext2InodeInfo, lblk: number, blk: number): void {
    const a = rsvState(info);
    a.i_last_alloc_logical = lblk;
    a.i_last_alloc_physical = blk;
    const w = a.i_rsv_window;
    if (!w || blk < w.start || blk > w.end) {
      // Left the window (or had none): reserve a new one starting here. A window
      // that filled up is doubled, as ext3's reservation code grows hot windows.
      const size = w && blk === w.end + 1 ? Math.min(w.goal * 2, RSV_WINDOW_MAX) : RSV_WINDOW_BLOCKS;
      const nw = { start: blk, end: Math.min(blk + size - 1, fs.sb.s_blocks_count - 1), goal: size };
      a.i_rsv_window = nw;
      fs.rsvWindows.set(info.ino, nw);
    }
  },
  // the last writer's close always takes the lock to drop the window (it may be being filled)
  hasReservation: (info: Ext2InodeInfo): boolean => info.alloc.layout === 'rsv',
  discardReservation: discard,
  truncated: discard,
};
