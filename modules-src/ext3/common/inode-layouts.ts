/**
 * Conversions of a cached ext3_inode_info between the two per-inode
 * allocation layouts the releases use: 'goal' (releases 1 and 2:
 * i_next_alloc_block/i_next_alloc_goal) and 'rsv' (release 3: a
 * reservation window and the last allocation). A live update between
 * releases with different layouts runs one over every cached inode; the
 * importing release's `convertInode` picks the direction.
 */
import { Ext2InodeInfo } from 'modswap/kernel';

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
