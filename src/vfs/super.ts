/**
 * `SuperBlock`: one mounted file-system instance (Linux struct super_block),
 * and the generic helpers a module's mount/kill_sb use (fs/super.c):
 * `alloc_super`, `generic_shutdown_super`, `sync_filesystem`.
 */
import type { Sim } from '../sim/effects.ts';
import { Mutex } from '../sim/locks.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import type { Dentry } from './dentry.ts';
import type { OpenFile } from './file.ts';
import { evict, iput, type Inode } from './inode.ts';
import type { Kernel } from './kernel.ts';
import { empty_sops, type FileSystemType, type SuperOperations } from './ops.ts';
import { MAX_LFS_FILESIZE } from './types.ts';

export class SuperBlock {
  s_op: SuperOperations = empty_sops;
  s_root: Dentry | null = null;
  /** The module's per-superblock structure. */
  s_fs_info: unknown = null;
  s_magic = 0;
  s_blocksize = 4096;
  s_maxbytes = MAX_LFS_FILESIZE;
  /** MS_* flags (MS_RDONLY). */
  s_flags = 0;
  /** Every live inode of this superblock. */
  readonly s_inodes = new Set<Inode>();
  /** Every open file on this superblock (Linux 2.6's s_files): a live update re-points their f_op and f_owner. */
  readonly s_files = new Set<OpenFile>();
  /** Block device, for disk file systems. */
  s_bdev: BlockDevice | null = null;
  private renameMutex: Mutex | null = null;

  constructor(
    /** Re-pointed (never otherwise changed) when a live update replaces the module. */
    public s_type: FileSystemType,
    readonly s_kernel: Kernel,
    /** Device number (st_dev). */
    readonly s_dev: number,
    /** Device name as mounted ("none", "ram0", ...). */
    readonly s_id: string,
  ) {}

  /** Serialises cross-directory renames (Linux s_vfs_rename_mutex). */
  get s_vfs_rename_mutex(): Mutex {
    return (this.renameMutex ??= new Mutex(this.s_kernel.engine, `s_vfs_rename_mutex ${this.s_id}`));
  }
}

/** A fresh superblock for `type` with an anonymous device number. */
export function alloc_super(kernel: Kernel, type: FileSystemType, devName: string): SuperBlock {
  return new SuperBlock(type, kernel, kernel.get_anon_dev(), devName);
}

/** Write back everything of `sb` (fs/sync.c sync_filesystem). */
export function* sync_filesystem(sb: SuperBlock): Sim<void> {
  const wi = sb.s_op.write_inode;
  if (wi) for (const inode of [...sb.s_inodes]) yield* wi(inode, true);
  const sfs = sb.s_op.sync_fs;
  if (sfs) yield* sfs(sb, true);
}

/**
 * Shut a superblock down (fs/super.c generic_shutdown_super): drop the whole
 * dentry tree (each positive dentry's inode reference), evict every inode,
 * then put_super. Called from kill_sb, when no file is open and no task
 * stands inside the file system.
 */
export function* generic_shutdown_super(sb: SuperBlock): Sim<void> {
  if (sb.s_root) {
    yield* sync_filesystem(sb);
    yield* shrink_dcache(sb.s_root);
    sb.s_root = null;
  }
  for (const inode of [...sb.s_inodes]) {
    // ramfs keeps linked inodes pinned only by dentries; what is left here
    // has links but no users: evict it now, as evict_inodes does.
    inode.i_count = 0;
    yield* evict(inode);
  }
  const ps = sb.s_op.put_super;
  if (ps) yield* ps(sb);
}

function* shrink_dcache(d: Dentry): Sim<void> {
  if (d.d_subdirs) {
    for (const c of d.d_subdirs.values()) yield* shrink_dcache(c);
    d.d_subdirs = null;
  }
  const inode = d.d_inode;
  if (inode) {
    d.d_inode = null;
    if (inode.i_count > 0) yield* iput(inode);
  }
}

/** kill_sb for file systems with no device (fs/super.c kill_anon_super). */
export function* kill_anon_super(sb: SuperBlock): Sim<void> {
  yield* generic_shutdown_super(sb);
}

/** kill_sb for memory file systems whose dentries pin their inodes (kill_litter_super). */
export function* kill_litter_super(sb: SuperBlock): Sim<void> {
  yield* generic_shutdown_super(sb);
}
