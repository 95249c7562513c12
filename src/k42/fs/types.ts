/**
 * Module Description: vocabulary of the K42 file service (src/k42/fs): the
 * state-transfer types its objects negotiate, the modelled costs of its name
 * space, and the attribute record inode objects answer `getattr` with.
 *
 * The name-space costs mirror the Linux path's VFS costs (src/vfs/costs.ts,
 * not imported: src/k42 and src/vfs stay apart) one for one, so that a
 * comparison of the two paths measures the update mechanism, not a
 * different guess at what a path walk costs. The file-system logic itself
 * (directory scans, bitmaps, the journal) is charged by the shared ext2
 * engine on both paths.
 */
import type { DTType } from '../dttype.ts';

/**
 * The allocator/superblock object's state: the ext2 engine's exportState
 * snapshot plus the buffer cache and the in-memory inodes it hands over.
 * (K42 numbers its types by subsystem; 20-29 are unused in DTType.H.)
 */
export const DTT_EXT2_STATE: DTType = 20;
/** An inode object's state with the v1/v2 per-inode layout (allocation goal). */
export const DTT_K42FS_INODE_GOAL: DTType = 21;
/** An inode object's state with the v3 layout (reservation window). */
export const DTT_K42FS_INODE_RSV: DTType = 22;

/** File-system logic versions served (release packages packages/ext3-vN: 1 bug, 2 fix, 3 reservation windows). */
export type K42FsVersion = 1 | 2 | 3;

export type InodeKind = 'file' | 'dir' | 'symlink';

/** What `getattr` returns (the part of stat(2) the workload reports). */
export interface InodeAttr {
  kind: InodeKind;
  size: number;
  nlink: number;
}

/**
 * Modelled cycles of the name space (assumptions, same values as the VFS's):
 *  - requestEntry: the PPC call into the file server (K42's IPC replaces the
 *    syscall entry): ~150 cycles;
 *  - pathComponent: one step of a walk that hits a directory object's name
 *    cache (hash, probe, compare): ~60;
 *  - lookupMiss: extra name-space work of a miss (allocating the cache
 *    entry); the engine charges its own directory scan;
 *  - copyBytesPerCycle: copying data to and from the client: ~4 bytes/cycle;
 *  - metaOp: the name-space part of a namespace-changing call.
 */
export interface K42FsCosts {
  requestEntry: number;
  pathComponent: number;
  lookupMiss: number;
  copyBytesPerCycle: number;
  metaOp: number;
}

export const K42FS_COSTS: Readonly<K42FsCosts> = Object.freeze({
  requestEntry: 150,
  pathComponent: 60,
  lookupMiss: 200,
  copyBytesPerCycle: 4,
  metaOp: 250,
});
