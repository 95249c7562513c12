/** src/modules/ramfs: the ramfs module. */
export { ramfsModule, RAMFS_MAGIC, RamfsInodeInfo, RamfsFileInfo, type RamfsFsInfo } from './ramfs.ts';
