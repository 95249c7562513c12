/**
 * ext3 release 3: the entry point of its bundle (packages/ext3-v3). Release
 * 2's rename, and its own block allocator with per-inode reservation
 * windows (balloc-rsv.ts), so its ext3_inode_info has a new layout: it
 * imports ext3-state@2 (converting every cached inode up) and speaks
 * ext3-state@3 to a later release; exporting @2 converts down (rollback).
 */
import { inodeInfoFromJSON, inodeInfoToJSON, type Ext2Release, type Ext2StateSnapshot } from 'modswap/kernel';
import type { Ext3Formats } from '../common/ext3.ts';
import { convertInodeV2toV3, convertInodeV3toV2 } from '../common/inode-layouts.ts';
import { ext3_balloc } from '../common/balloc.ts';
import { ext3EngineOps } from '../common/engine-ops.ts';
import { ext3ModuleDefinition } from '../common/module.ts';
import { EXT3_STATE_V2, EXT3_STATE_V3 } from '../common/update.ts';
import { ext3_rename } from '../v2/rename.ts';
import { rsvAllocPolicy } from './balloc-rsv.ts';

export const ext2_release: Ext2Release = {
  version: 3,
  name: 'ext3 release 3 (per-inode reservation windows)',
  alloc: rsvAllocPolicy,
  balloc: ext3_balloc,
  namei: ext3EngineOps(ext3_rename),
  rename: ext3_rename,
  convertInode: convertInodeV2toV3,
};

const formats: Ext3Formats = {
  formats: [EXT3_STATE_V3, EXT3_STATE_V2],
  fileFormat: 3,
  exportAs(format: string, s: Ext2StateSnapshot): Ext2StateSnapshot {
    if (format !== EXT3_STATE_V2 || s.layout === 'goal') return s;
    return { ...s, layout: 'goal', inodes: s.inodes.map((j) => inodeInfoToJSON(convertInodeV3toV2(inodeInfoFromJSON(j)))) };
  },
};

export default ext3ModuleDefinition({
  release: ext2_release,
  formats,
  description: 'ext3 v3: journaling ext2 file system on a block device (per-inode reservation windows)',
});
