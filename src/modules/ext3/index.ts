/** The ext3 module (VFS glue over the shared ext2/ext3 engine), its releases and live-update hooks. */
export { ext3Definition, ext3Module, EXT3_NEWEST, EXT3_VERSIONS, type Ext3Version } from './module.ts';
export { EXT3_EPOCH, EXT3_SUPER_MAGIC, EXT3_SB, Ext3SbInfo, Ext3FileInfo, ext3_disk_time, ext3_vfs_time } from './ext3.ts';
export { EXT3_STATE_V2, EXT3_STATE_V3, type Ext3StateSnapshot } from './update.ts';
export { EXT3_I } from './inode.ts';
