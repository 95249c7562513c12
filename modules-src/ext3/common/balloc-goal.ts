/**
 * The goal allocation policy of releases 1 and 2 (ext2's and early ext3's
 * i_next_alloc_block / i_next_alloc_goal in ext3_inode_info): the next
 * block of a sequential write goes after the last one; otherwise after the
 * previous logical block, else at the start of the inode's group (the
 * fallback every policy ends with; release 3's reservation allocator uses
 * it too). Called under the inode's truncate_mutex; may block only for the
 * block-map read of the fallback goal.
 */
import { bmapLookup, type Ext2AllocPolicy, type Ext2Fs, type Ext2InodeInfo, type GoalAllocState, type InodeAllocState, type Sim } from 'modswap/kernel';

/**
 * Fallback goal for logical block `lblk`: the block after the previous
 * logical block, else the start of the inode's group (every policy ends here).
 */
export function* fallbackGoal(fs: Ext2Fs, info: Ext2InodeInfo, lblk: number): Sim<number> {
  if (lblk > 0) {
    const prev = yield* bmapLookup(fs.blockMapHost(info), info.disk, lblk - 1);
    if (prev) return prev + 1;
  }
  return fs.sb.s_first_data_block + info.i_block_group * fs.sb.s_blocks_per_group;
}

function goalState(info: Ext2InodeInfo): GoalAllocState {
  if (info.alloc.layout !== 'goal') throw new Error(`inode ${info.ino}: '${info.alloc.layout}' allocation state under the goal allocator`);
  return info.alloc;
}

/**
 * The goal allocator (ext2's i_next_alloc_block/i_next_alloc_goal): the
 * next block of a sequential write goes after the last one. Releases 1 and
 * 2 bind it; release 3 brings its own (v3/balloc-rsv.ts).
 */
export const goalAllocPolicy: Ext2AllocPolicy = {
  layout: 'goal',
  initialAllocState: (): InodeAllocState => ({ layout: 'goal', i_next_alloc_block: 0, i_next_alloc_goal: 0 }),
  *dataGoal(fs: Ext2Fs, info: Ext2InodeInfo, lblk: number): Sim<number> {
    const a = goalState(info);
    if (lblk === a.i_next_alloc_block && a.i_next_alloc_goal) return a.i_next_alloc_goal;
    return yield* fallbackGoal(fs, info, lblk);
  },
  noteAllocated(_fs: Ext2Fs, info: Ext2InodeInfo, lblk: number, blk: number): void {
    const a = goalState(info);
    a.i_next_alloc_block = lblk + 1;
    a.i_next_alloc_goal = blk + 1;
  },
  hasReservation: () => false,
  discardReservation(): void {},
  truncated(_fs: Ext2Fs, info: Ext2InodeInfo): void {
    const a = goalState(info);
    a.i_next_alloc_block = a.i_next_alloc_goal = 0;
  },
};
