/**
 * The operation tables a file-system module fills in, modelled on
 * include/linux/fs.h: `FileOperations`, `InodeOperations`, `SuperOperations`
 * and `FileSystemType`.
 *
 * Contract for every table:
 *  - A table is a plain mutable record owned by one module. Every slot is
 *    optional and is a generator (it may take modelled time or block).
 *  - The VFS looks a slot up in `inode.i_op` / `inode.i_fop` / `file.f_op` /
 *    `sb.s_op` at EVERY call and never keeps a reference to a slot's function.
 *    The live-update manager relies on this: it rewrites slots in place
 *    (to a mediator stub, then to the new module's functions) and re-points
 *    the `i_op`/`i_fop`/`f_op`/`s_op`/`i_private`/`private_data` of instances.
 *  - Slots are called as plain functions with explicit arguments, never with
 *    `this`, so a stub with the same signature can stand in for any slot.
 *  - A missing slot gives the errno Linux gives, or the VFS uses the generic
 *    helper Linux uses (noted per slot below).
 *  - Slots throw bare `errno('E...')`; the syscall layer adds syscall and path.
 *  - Slots that create inodes or check access get the caller's `Cred` as
 *    their last argument (Linux reads current_cred(); here it is explicit).
 *  - `owner` is data, not a slot: the module whose reference count an open
 *    file (FileOperations) or a mount (FileSystemType) holds.
 *
 * Locking (after Documentation/filesystems/locking.rst). `i_rwsem` is the
 * per-inode reader/writer semaphore (`inode.i_rwsem`, src/sim RwSemaphore):
 * exclusive for namespace changes, setattr and write, shared for iterate and
 * (ext3) read. Lookup takes it exclusive, as 2.6's i_mutex did (the model
 * has no d_alloc_parallel). `s_vfs_rename_mutex` is per superblock. "may
 * block" means the slot may yield a block effect.
 *
 * InodeOperations      lock held by the VFS when called          may block
 *   lookup             dir i_rwsem                               yes
 *   create             dir i_rwsem                               yes
 *   mkdir              dir i_rwsem                               yes
 *   rmdir              dir i_rwsem                               yes
 *   unlink             dir i_rwsem                               yes
 *   link               dir i_rwsem                               yes
 *   symlink            dir i_rwsem                               yes
 *   rename             s_vfs_rename_mutex (cross-dir), both dirs' i_rwsem  yes
 *   get_link           none                                      yes
 *   setattr            inode i_rwsem                             yes
 *   getattr            none                                      yes
 *   permission         none (may be called during a walk)        yes
 *
 * FileOperations       lock held                                 may block
 *   open, release      none                                      yes
 *   read               none (ext3 takes inode i_rwsem shared)    yes
 *   write              none (the fs takes inode i_rwsem itself,
 *                      as generic_file_write_iter does)          yes
 *   llseek             none                                      yes
 *   fsync              none                                      yes
 *   iterate            dir i_rwsem shared (iterate_shared)       yes
 *
 * SuperOperations      lock held                                 may block
 *   alloc_inode        none                                      yes
 *   destroy_inode      none                                      yes
 *   write_inode        none                                      yes
 *   evict_inode        none                                      yes
 *   put_super          none (during umount, sb has no users)     yes
 *   sync_fs            none                                      yes
 *   statfs             none                                      yes
 *
 * FileSystemType       lock held                                 may block
 *   mount              none                                      yes
 *   kill_sb            none (no users left)                      yes
 */
import type { Sim } from '../sim/effects.ts';
import type { Dentry } from './dentry.ts';
import type { OpenFile } from './file.ts';
import type { Inode } from './inode.ts';
import type { Kernel } from './kernel.ts';
import type { SuperBlock } from './super.ts';
import type { Cred } from './task.ts';
import type { Iattr } from './types.ts';
import type { Stat, Statfs } from '../uapi/stat.ts';

/** The VFS's view of a module: enough for try_module_get/module_put. */
export interface ModuleOwner {
  readonly name: string;
  /** Take a reference; false if the module is going away (then: ENODEV). */
  try_module_get(): boolean;
  module_put(): void;
}

/** `loff_t *`: the position a read/write starts at; the slot advances it. */
export interface LoffT {
  pos: number;
}

/** `struct dir_context`: iterate emits entries through `actor`. */
export interface DirContext {
  /** Position to resume at; the fs advances it past each emitted entry. */
  pos: number;
  /** Emit one entry; false means the caller's buffer is full: stop. */
  actor(name: string, ino: number, type: number): boolean;
}

export interface FileOperations {
  owner?: ModuleOwner | null;
  /** Missing: nothing to do. */
  open?(inode: Inode, file: OpenFile): Sim<void>;
  /** Missing: nothing to do. Called once, at the last close. */
  release?(inode: Inode, file: OpenFile): Sim<void>;
  /** Read into `buf` (its length is the count) at `ppos.pos`; returns bytes read. Missing: EINVAL. */
  read?(file: OpenFile, buf: Uint8Array, ppos: LoffT): Sim<number>;
  /** Write `data` at `ppos.pos` (O_APPEND: the fs moves it to EOF); returns bytes written. Missing: EINVAL. */
  write?(file: OpenFile, data: Uint8Array, ppos: LoffT): Sim<number>;
  /** Returns the new position. Missing: ESPIPE (no_llseek). */
  llseek?(file: OpenFile, offset: number, whence: number): Sim<number>;
  /** Missing: EINVAL. */
  fsync?(file: OpenFile, datasync: boolean): Sim<void>;
  /** Directory listing. Missing: ENOTDIR. */
  iterate?(file: OpenFile, ctx: DirContext): Sim<void>;
}

export interface InodeOperations {
  /**
   * Look `dentry.d_name` up in `dir` and bind the dentry with `d_add(dentry,
   * inode | null)` (null: a negative entry). Checks the name length
   * (ENAMETOOLONG), as each Linux fs does. Missing on a directory: ENOTDIR.
   */
  lookup?(dir: Inode, dentry: Dentry): Sim<void>;
  /** Create a regular file and instantiate `dentry`. Missing: EACCES (as vfs_create). */
  create?(dir: Inode, dentry: Dentry, mode: number, excl: boolean, cred: Cred): Sim<void>;
  /** Missing: EPERM. */
  mkdir?(dir: Inode, dentry: Dentry, mode: number, cred: Cred): Sim<void>;
  /** Must fail with ENOTEMPTY unless empty. Missing: EPERM. */
  rmdir?(dir: Inode, dentry: Dentry): Sim<void>;
  /** Missing: EPERM. */
  unlink?(dir: Inode, dentry: Dentry): Sim<void>;
  /**
   * Rename; the VFS has done every permission and type check and moves the
   * dentry itself (d_move) on success. A positive `newDentry` is replaced;
   * a non-empty directory there must give ENOTEMPTY. Missing: EPERM.
   */
  rename?(oldDir: Inode, oldDentry: Dentry, newDir: Inode, newDentry: Dentry, flags: number): Sim<void>;
  /** Missing: EPERM. */
  link?(oldDentry: Dentry, dir: Inode, newDentry: Dentry): Sim<void>;
  /** Missing: EPERM. */
  symlink?(dir: Inode, dentry: Dentry, target: string, cred: Cred): Sim<void>;
  /** The link body. Missing on a symlink: EINVAL (readlink) / ELOOP-free ENOENT (walk). */
  get_link?(dentry: Dentry | null, inode: Inode): Sim<string>;
  /** Apply an already-validated attribute change. Missing: simple_setattr. */
  setattr?(dentry: Dentry, attr: Iattr): Sim<void>;
  /** Fill `stat`. Missing: generic_fillattr. */
  getattr?(dentry: Dentry | null, inode: Inode, stat: Stat): Sim<void>;
  /** Throw EACCES if `mask` (MAY_*) is denied. Missing: generic_permission. */
  permission?(inode: Inode, mask: number, cred: Cred): Sim<void>;
}

export interface SuperOperations {
  /** Allocate an inode (with any fs-private part). Missing: a plain `Inode`. */
  alloc_inode?(sb: SuperBlock): Sim<Inode>;
  /** Free what alloc_inode allocated. Missing: nothing. */
  destroy_inode?(inode: Inode): Sim<void>;
  /** Write a dirty inode back. Missing: nothing (memory fs). */
  write_inode?(inode: Inode, sync: boolean): Sim<void>;
  /** Last reference gone: drop data if unlinked. Missing: nothing. */
  evict_inode?(inode: Inode): Sim<void>;
  /** Last step of umount. Missing: nothing. */
  put_super?(sb: SuperBlock): Sim<void>;
  /** Write back fs metadata. Missing: nothing. */
  sync_fs?(sb: SuperBlock, wait: boolean): Sim<void>;
  /** Missing: ENOSYS. */
  statfs?(dentry: Dentry): Sim<Statfs>;
}

export interface FileSystemType {
  readonly name: string;
  /** FS_REQUIRES_DEV etc. */
  readonly fs_flags: number;
  owner: ModuleOwner | null;
  /** Build (or find) a superblock for `devName` and return its root dentry. */
  mount?(fsType: FileSystemType, flags: number, devName: string, data: string, kernel: Kernel): Sim<Dentry>;
  /** Tear the superblock down (generic_shutdown_super and friends). */
  kill_sb?(sb: SuperBlock): Sim<void>;
}

/** The empty tables new inodes start with (Linux empty_iops / no fops). */
export const empty_iops: InodeOperations = Object.freeze({});
export const empty_fops: FileOperations = Object.freeze({});
export const empty_sops: SuperOperations = Object.freeze({});
