/**
 * src/vfs: the simulated Linux VFS (see docs/design.md, "The Linux path").
 *
 *   types.ts        modes, O_* flags (PowerPC values), capabilities, Stat
 *   ops.ts          FileOperations / InodeOperations / SuperOperations /
 *                   FileSystemType, with the lock table per interface
 *   inode.ts dentry.ts super.ts file.ts mount.ts task.ts kernel.ts
 *                   the objects; pagecache.ts the pages of a file
 *   permission.ts   generic_permission, may_create, may_delete
 *   namei.ts        path walk; dirops.ts vfs_mkdir & co; attr.ts setattr/stat
 *   open.ts         open/close; namespace.ts mount/umount; filesystems.ts
 *   libfs.ts        simple_* helpers for modules; buffer.ts buffer cache
 *   syscalls.ts     the syscalls (sys/*.ts); costs.ts modelled cycle costs
 *
 * This layer never imports a file-system module; src/modules fills in the
 * tables it defines.
 */
export * from './types.ts';
export * from './ops.ts';
export * from './inode.ts';
export * from './dentry.ts';
export * from './super.ts';
export * from './file.ts';
export * from './mount.ts';
export * from './task.ts';
export * from './kernel.ts';
export * from './costs.ts';
export * from './pagecache.ts';
export * from './permission.ts';
export * from './namei.ts';
export * from './dirops.ts';
export * from './attr.ts';
export * from './open.ts';
export * from './namespace.ts';
export * from './filesystems.ts';
export * from './libfs.ts';
export * from './buffer.ts';
export * as sys from './syscalls.ts';
