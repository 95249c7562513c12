/**
 * ext2 block-group descriptors (32 bytes each, the table starts in the block
 * after the superblock) and the per-group geometry derived from them.
 *
 * Like the superblock codec, encoding writes the modelled fields over the raw
 * bytes, so bg_flags/checksum fields of images from newer tools survive.
 */
import { errno } from '../uapi/errno.ts';
import { le16, le32, put16, put32 } from './layout.ts';
import type { Ext2Geometry, Ext2SuperBlock } from './superblock.ts';

export const GROUP_DESC_SIZE = 32;

export interface Ext2GroupDesc {
  bg_block_bitmap: number;
  bg_inode_bitmap: number;
  bg_inode_table: number;
  bg_free_blocks_count: number;
  bg_free_inodes_count: number;
  bg_used_dirs_count: number;
}

export function decodeGroupDesc(b: Uint8Array, off: number): Ext2GroupDesc {
  return {
    bg_block_bitmap: le32(b, off),
    bg_inode_bitmap: le32(b, off + 4),
    bg_inode_table: le32(b, off + 8),
    bg_free_blocks_count: le16(b, off + 0xc),
    bg_free_inodes_count: le16(b, off + 0xe),
    bg_used_dirs_count: le16(b, off + 0x10),
  };
}

export function encodeGroupDesc(gd: Ext2GroupDesc, b: Uint8Array, off: number): void {
  put32(b, off, gd.bg_block_bitmap);
  put32(b, off + 4, gd.bg_inode_bitmap);
  put32(b, off + 8, gd.bg_inode_table);
  put16(b, off + 0xc, gd.bg_free_blocks_count);
  put16(b, off + 0xe, gd.bg_free_inodes_count);
  put16(b, off + 0x10, gd.bg_used_dirs_count);
}

/** First block of group g. */
export function groupFirstBlock(sb: Ext2SuperBlock, g: number): number {
  return sb.s_first_data_block + g * sb.s_blocks_per_group;
}

/** Number of blocks in group g (the last group may be short). */
export function groupBlockCount(sb: Ext2SuperBlock, g: number): number {
  const first = groupFirstBlock(sb, g);
  return Math.min(sb.s_blocks_per_group, sb.s_blocks_count - first);
}

/** Block number of the group-descriptor table block holding group g's descriptor. */
export function gdtBlockOf(sb: Ext2SuperBlock, geo: Ext2Geometry, g: number): number {
  return sb.s_first_data_block + 1 + Math.floor(g / geo.descPerBlock);
}

/**
 * Check that group g's bitmaps and inode table lie inside the file system
 * (and inside the group, as mke2fs without flex_bg places them). Throws
 * EUCLEAN otherwise, so no later access uses a hostile block number.
 */
export function validateGroupDesc(sb: Ext2SuperBlock, geo: Ext2Geometry, g: number, gd: Ext2GroupDesc): void {
  const first = groupFirstBlock(sb, g);
  const last = first + groupBlockCount(sb, g) - 1;
  const inGroup = (b: number): boolean => b >= first && b <= last;
  const what = (b: number, n: string): void => {
    if (!inGroup(b)) throw errno('EUCLEAN', `group ${g}: ${n} block ${b} outside the group [${first}, ${last}]`);
  };
  what(gd.bg_block_bitmap, 'block bitmap');
  what(gd.bg_inode_bitmap, 'inode bitmap');
  what(gd.bg_inode_table, 'inode table');
  what(gd.bg_inode_table + geo.inodeTableBlocks - 1, 'inode table end');
  if (gd.bg_free_blocks_count > groupBlockCount(sb, g)) throw errno('EUCLEAN', `group ${g}: free blocks count too big`);
  if (gd.bg_free_inodes_count > sb.s_inodes_per_group) throw errno('EUCLEAN', `group ${g}: free inodes count too big`);
}
