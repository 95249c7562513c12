/**
 * Modelled costs of the VFS, in CPU cycles of the modelled PowerPC 970
 * (about 2 GHz). All in one place; each is an assumption, stated here:
 *
 *  - syscallEntry: the sc instruction, the kernel entry/exit path and
 *    argument copying; ~150 cycles on a POWER4/970-class core.
 *  - pathComponent: one step of a path walk that hits the dcache (hash the
 *    name, probe the hash table, check permission bits): ~60 cycles.
 *  - lookupMiss: the extra VFS work of a dcache miss (allocating the dentry,
 *    taking the directory lock); the module's lookup charges its own work.
 *  - copyBytesPerCycle: copy_to_user/copy_from_user move ~4 bytes per cycle.
 *  - fdLookup: fdget, one load from the fd table plus a reference.
 *  - fileAlloc: allocating and initialising a struct file at open.
 *  - metaOp: the VFS part of a namespace-changing call (mkdir, unlink, ...)
 *    beyond the walk: dentry manipulation, timestamps.
 *  - mountOp: mount/umount bookkeeping (not counting the file system's own).
 */
export interface VfsCosts {
  syscallEntry: number;
  pathComponent: number;
  lookupMiss: number;
  copyBytesPerCycle: number;
  fdLookup: number;
  fileAlloc: number;
  metaOp: number;
  mountOp: number;
}

export const DEFAULT_VFS_COSTS: Readonly<VfsCosts> = Object.freeze({
  syscallEntry: 150,
  pathComponent: 60,
  lookupMiss: 200,
  copyBytesPerCycle: 4,
  fdLookup: 20,
  fileAlloc: 300,
  metaOp: 250,
  mountOp: 5000,
});
