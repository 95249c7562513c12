/**
 * `Inode`: the in-memory inode (Linux struct inode), plus the lifecycle
 * helpers new_inode / ihold / iput and the link-count helpers.
 *
 * Lifecycle. `new_inode(sb)` asks `sb.s_op.alloc_inode` (or makes a plain
 * Inode), numbers it and puts it on `sb.s_inodes` with one reference.
 * References (`i_count`) are held by each positive dentry that names the
 * inode and by each open file. `iput` drops one; when the last goes and the
 * inode has no links left (`i_nlink === 0`), it is evicted
 * (`s_op.evict_inode`) and freed (`s_op.destroy_inode`). An unlinked file
 * that is still open therefore stays readable until its last close.
 * Inodes with links whose count reaches 0 stay cached (as in Linux) until
 * the superblock is shut down.
 *
 * `i_op`, `i_fop` and `i_private` are plain fields so the update manager can
 * re-point them; the VFS reads them at every call.
 */
import type { Sim } from '../sim/effects.ts';
import { RwSemaphore } from '../sim/rwsem.ts';
import type { Dentry } from './dentry.ts';
import { empty_fops, empty_iops, type FileOperations, type InodeOperations } from './ops.ts';
import { AddressSpace } from './pagecache.ts';
import type { SuperBlock } from './super.ts';
import type { Cred } from './task.ts';
import { S_IFDIR, S_ISDIR, S_ISGID } from '../uapi/stat.ts';

/** i_flags: the directory was removed (IS_DEADDIR); creating in it gives ENOENT. */
export const S_DEAD = 1;

export class Inode {
  i_ino = 0;
  i_mode = 0;
  i_nlink = 0;
  i_size = 0;
  i_uid = 0;
  i_gid = 0;
  i_rdev = 0;
  i_blocks = 0;
  /** Times in modelled cycles (the engine clock). */
  i_atime = 0;
  i_mtime = 0;
  i_ctime = 0;
  i_flags = 0;
  i_op: InodeOperations = empty_iops;
  i_fop: FileOperations = empty_fops;
  /** The module's per-inode structure (allocated through its instance registry). */
  i_private: unknown = null;
  /** Symlink body for file systems that keep it in memory (simple_get_link). */
  i_link: string | null = null;
  /** References: positive dentries and open files. */
  i_count = 0;
  /**
   * A directory's one name in the dcache (Linux keeps a directory inode on at
   * most one dentry, d_splice_alias); stale once that dentry is dropped. See
   * dentry.ts d_dir_alias.
   */
  i_dir_alias: Dentry | null = null;
  private rwsem: RwSemaphore | null = null;
  private mapping: AddressSpace | null = null;

  constructor(readonly i_sb: SuperBlock) {}

  /** The per-inode reader/writer semaphore (Linux i_rwsem), created on first use; `lock` is the writer side. */
  get i_rwsem(): RwSemaphore {
    return (this.rwsem ??= new RwSemaphore(this.i_sb.s_kernel.engine, `i_rwsem ${this.i_sb.s_id}:${this.i_ino}`));
  }

  /** The file's pages (Linux i_data / i_mapping), created on first use. */
  get i_mapping(): AddressSpace {
    return (this.mapping ??= new AddressSpace());
  }

  /** True if the inode has data pages (without creating the mapping). */
  get hasPages(): boolean {
    return this.mapping !== null && this.mapping.nrpages > 0;
  }
}

/** Allocate an inode on `sb` with one reference (fs/inode.c new_inode). */
export function* new_inode(sb: SuperBlock): Sim<Inode> {
  const alloc = sb.s_op.alloc_inode;
  const inode = alloc ? yield* alloc(sb) : new Inode(sb);
  inode.i_ino = sb.s_kernel.get_next_ino();
  inode.i_count = 1;
  inode.i_nlink = 1;
  inode.i_atime = inode.i_mtime = inode.i_ctime = sb.s_kernel.engine.now;
  sb.s_inodes.add(inode);
  return inode;
}

/**
 * Set owner and mode of a new inode (fs/inode.c inode_init_owner): the
 * creator's fsuid, and the fsgid unless the parent directory is set-group-ID,
 * in which case the group is inherited (and a new directory inherits S_ISGID).
 */
export function inode_init_owner(inode: Inode, dir: Inode | null, mode: number, cred: Cred): void {
  inode.i_uid = cred.uid;
  if (dir && dir.i_mode & S_ISGID) {
    inode.i_gid = dir.i_gid;
    if (S_ISDIR(mode)) mode |= S_ISGID;
  } else {
    inode.i_gid = cred.gid;
  }
  inode.i_mode = mode;
}

export function ihold(inode: Inode): void {
  inode.i_count++;
}

/** Drop a reference; the last one on an unlinked inode evicts and frees it. */
export function* iput(inode: Inode): Sim<void> {
  if (inode.i_count <= 0) throw new Error(`iput: inode ${inode.i_ino} has no references`);
  if (--inode.i_count > 0 || inode.i_nlink > 0) return;
  yield* evict(inode);
}

/** Evict and free an inode nobody references (fs/inode.c evict). */
export function* evict(inode: Inode): Sim<void> {
  const sb = inode.i_sb;
  sb.s_inodes.delete(inode);
  const ev = sb.s_op.evict_inode;
  if (ev) yield* ev(inode);
  const destroy = sb.s_op.destroy_inode;
  if (destroy) yield* destroy(inode);
}

export function set_nlink(inode: Inode, n: number): void {
  inode.i_nlink = n;
}
export function inc_nlink(inode: Inode): void {
  inode.i_nlink++;
}
export function drop_nlink(inode: Inode): void {
  if (inode.i_nlink <= 0) throw new Error(`drop_nlink: inode ${inode.i_ino} has no links`);
  inode.i_nlink--;
}
export function clear_nlink(inode: Inode): void {
  inode.i_nlink = 0;
}

/** Stamp ctime and mtime with the current modelled time. */
export function inode_touch(inode: Inode): void {
  inode.i_mtime = inode.i_ctime = inode.i_sb.s_kernel.engine.now;
}

export function is_dir(inode: Inode): boolean {
  return (inode.i_mode & 0o170000) === S_IFDIR;
}
