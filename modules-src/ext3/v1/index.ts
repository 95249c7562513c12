/**
 * ext3 release 1: the entry point of its bundle (packages/ext3-v1). Its
 * rename has the parent link-count bug (rename.ts); blocks are placed by
 * the goal allocator (common/balloc-goal.ts); ext3_inode_info in the goal layout.
 */
import type { Ext2Release } from 'modswap/kernel';
import { ext3_balloc } from '../common/balloc.ts';
import { goalAllocPolicy } from '../common/balloc-goal.ts';
import { ext3EngineOps } from '../common/engine-ops.ts';
import { GOAL_LAYOUT_FORMATS, toGoalLayout } from '../common/formats.ts';
import { ext3ModuleDefinition } from '../common/module.ts';
import { ext3_rename } from './rename.ts';

export const ext2_release: Ext2Release = {
  version: 1,
  name: 'ext3 release 1 (rename link-count bug)',
  alloc: goalAllocPolicy,
  balloc: ext3_balloc,
  namei: ext3EngineOps(ext3_rename),
  rename: ext3_rename,
  convertInode: toGoalLayout,
};

export default ext3ModuleDefinition({
  release: ext2_release,
  formats: GOAL_LAYOUT_FORMATS,
  description: 'ext3 v1: journaling ext2 file system on a block device (rename link-count bug)',
});
