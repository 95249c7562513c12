/**
 * The state formats of releases whose ext3_inode_info uses the goal layout
 * (releases 1 and 2): they speak ext3-state@2 only, and a cached inode of a
 * newer layout they are handed (a rollback from release 3) is converted down.
 */
import type { Ext2InodeInfo, Ext2StateSnapshot } from 'modswap/kernel';
import type { Ext3Formats } from './ext3.ts';
import { convertInodeV3toV2 } from './inode-layouts.ts';
import { EXT3_STATE_V2 } from './update.ts';

export const GOAL_LAYOUT_FORMATS: Ext3Formats = {
  formats: [EXT3_STATE_V2],
  fileFormat: 2,
  exportAs: (_format: string, s: Ext2StateSnapshot): Ext2StateSnapshot => s,
};

/** `Ext2Release.convertInode` of a goal-layout release. */
export function toGoalLayout(info: Ext2InodeInfo): Ext2InodeInfo {
  return convertInodeV3toV2(info);
}
