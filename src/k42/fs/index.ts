/**
 * src/k42/fs: the ext3-style file system served as K42 clustered objects
 * (docs/design.md, "The K42 path"): a superblock/allocator object wrapping the
 * shared ext2 engine, per-inode objects made by versioned factories, a
 * FileSystemServer name space, and dynamic update of the whole file system
 * object by object. The user-space side (the fsstress executor and the
 * workload driver) is in src/workload.
 */
export * from './types.ts';
export * from './ext2-super.ts';
export * from './file-inode.ts';
export * from './inode-factory.ts';
export * from './fs-server.ts';
export * from './file-service.ts';
export * from './update.ts';
