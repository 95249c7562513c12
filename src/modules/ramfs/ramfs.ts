/**
 * ramfs: the minimal file system, after Linux fs/ramfs/inode.c.
 *
 * "NOTE! This filesystem is probably most useful not as a real filesystem,
 * but as an example of how virtual filesystems can be written." Directories
 * live only in the dcache and file data only in the page cache, so the
 * module is mostly table entries pointing at the VFS's simple_* helpers;
 * ramfs_get_inode picks the tables by inode type.
 *
 * Per-inode and per-open-file private structures (`RamfsInodeInfo`,
 * `RamfsFileInfo`) are allocated through the module's instance registry, so
 * a live update can find and convert every one of them. They carry a format
 * number; a new ramfs version may extend them.
 */
import type { Sim } from '../../sim/effects.ts';
import { errno } from '../../uapi/errno.ts';
import { d_instantiate, d_make_root, type Dentry } from '../../vfs/dentry.ts';
import type { OpenFile } from '../../vfs/file.ts';
import { register_filesystem, unregister_filesystem } from '../../vfs/filesystems.ts';
import { Inode, inc_nlink, inode_init_owner, new_inode } from '../../vfs/inode.ts';
import type { Kernel } from '../../vfs/kernel.ts';
import {
  dcache_dir_lseek,
  dcache_readdir,
  generic_file_llseek,
  generic_file_read,
  generic_file_write,
  generic_read_dir,
  noop_fsync,
  simple_get_link,
  simple_link,
  simple_lookup,
  simple_rename,
  simple_rmdir,
  simple_setattr,
  simple_statfs,
  simple_unlink,
} from '../../vfs/libfs.ts';
import type { FileOperations, FileSystemType, InodeOperations, SuperOperations } from '../../vfs/ops.ts';
import { PAGE_SIZE } from '../../vfs/pagecache.ts';
import { alloc_super, kill_litter_super, type SuperBlock } from '../../vfs/super.ts';
import { Cred } from '../../vfs/task.ts';
import { MAX_LFS_FILESIZE } from '../../vfs/types.ts';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../../uapi/stat.ts';
import { exportTables, type Module, type ModuleBody, type ModuleDefinition } from '../core/module.ts';

export const RAMFS_MAGIC = 0x858458f6;
/** Default mode of the root directory (mount option mode=). */
const RAMFS_DEFAULT_MODE = 0o755;
/** Modelled cycles of allocating and initialising an inode. */
const RAMFS_INODE_CYCLES = 400;

/** ramfs's per-inode structure (i_private). */
export class RamfsInodeInfo {
  readonly format = 1;
}

/** ramfs's per-open-file structure (private_data). */
export class RamfsFileInfo {
  readonly format = 1;
}

/** Per-superblock mount options (s_fs_info), as struct ramfs_fs_info. */
export interface RamfsFsInfo {
  mode: number;
}

function parseOptions(data: string): RamfsFsInfo {
  const fsi: RamfsFsInfo = { mode: RAMFS_DEFAULT_MODE };
  for (const opt of data.split(',')) {
    if (opt === '') continue;
    const [k, v] = opt.split('=');
    if (k === 'mode' && v !== undefined && /^[0-7]+$/.test(v)) fsi.mode = parseInt(v, 8) & 0o7777;
    else throw errno('EINVAL', `ramfs: bad mount option '${opt}'`);
  }
  return fsi;
}

function instantiate(mod: Module): ModuleBody {
  const reg = mod.instances;

  // ---- super operations ----
  function* ramfs_alloc_inode(sb: SuperBlock): Sim<Inode> {
    const inode = new Inode(sb);
    reg.allocInode(inode, () => new RamfsInodeInfo());
    return inode;
  }
  function* ramfs_evict_inode(inode: Inode): Sim<void> {
    if (inode.hasPages) inode.i_mapping.clear();
  }
  function* ramfs_destroy_inode(inode: Inode): Sim<void> {
    reg.freeInode(inode);
  }

  // ---- file operations ----
  function* ramfs_open(_inode: Inode, file: OpenFile): Sim<void> {
    reg.allocFile(file, () => new RamfsFileInfo());
  }
  function* ramfs_release(_inode: Inode, file: OpenFile): Sim<void> {
    reg.freeFile(file);
  }

  // ---- inode operations ----
  function* ramfs_get_inode(sb: SuperBlock, dir: Inode | null, mode: number, cred: Cred): Sim<Inode> {
    yield RAMFS_INODE_CYCLES;
    const inode = yield* new_inode(sb);
    inode_init_owner(inode, dir, mode, cred);
    switch (mode & S_IFMT) {
      case S_IFREG:
        inode.i_op = ramfs_file_inode_operations;
        inode.i_fop = ramfs_file_operations;
        break;
      case S_IFDIR:
        inode.i_op = ramfs_dir_inode_operations;
        inode.i_fop = ramfs_dir_operations;
        inc_nlink(inode); // directory inodes start with nlink 2, for "."
        break;
      case S_IFLNK:
        inode.i_op = ramfs_symlink_inode_operations;
        break;
      default:
        throw errno('EINVAL', 'ramfs: no special files in this model');
    }
    return inode;
  }
  function* ramfs_mknod(dir: Inode, dentry: Dentry, mode: number, cred: Cred): Sim<void> {
    const inode = yield* ramfs_get_inode(dir.i_sb, dir, mode, cred);
    d_instantiate(dentry, inode);
    dir.i_mtime = dir.i_ctime = inode.i_ctime;
  }
  function* ramfs_mkdir(dir: Inode, dentry: Dentry, mode: number, cred: Cred): Sim<void> {
    yield* ramfs_mknod(dir, dentry, mode | S_IFDIR, cred);
    inc_nlink(dir);
  }
  function* ramfs_create(dir: Inode, dentry: Dentry, mode: number, _excl: boolean, cred: Cred): Sim<void> {
    yield* ramfs_mknod(dir, dentry, mode | S_IFREG, cred);
  }
  function* ramfs_symlink(dir: Inode, dentry: Dentry, target: string, cred: Cred): Sim<void> {
    const inode = yield* ramfs_get_inode(dir.i_sb, dir, S_IFLNK | 0o777, cred);
    inode.i_link = target;
    inode.i_size = Buffer.byteLength(target);
    d_instantiate(dentry, inode);
    dir.i_mtime = dir.i_ctime = inode.i_ctime;
  }

  // ---- the tables ----
  const ramfs_file_operations: FileOperations = {
    owner: mod,
    open: ramfs_open,
    release: ramfs_release,
    read: generic_file_read,
    write: generic_file_write,
    llseek: generic_file_llseek,
    fsync: noop_fsync,
  };
  const ramfs_dir_operations: FileOperations = {
    owner: mod,
    open: ramfs_open,
    release: ramfs_release,
    read: generic_read_dir,
    iterate: dcache_readdir,
    llseek: dcache_dir_lseek,
    fsync: noop_fsync,
  };
  // No ->getattr anywhere: the VFS default (generic_fillattr) is what
  // simple_getattr does, and leaving the slot empty keeps stat(2) on the
  // VFS's generator-free fast path (it never enters the module).
  const ramfs_file_inode_operations: InodeOperations = {
    setattr: simple_setattr,
  };
  const ramfs_dir_inode_operations: InodeOperations = {
    create: ramfs_create,
    lookup: simple_lookup,
    link: simple_link,
    unlink: simple_unlink,
    symlink: ramfs_symlink,
    mkdir: ramfs_mkdir,
    rmdir: simple_rmdir,
    rename: simple_rename,
    setattr: simple_setattr,
  };
  const ramfs_symlink_inode_operations: InodeOperations = {
    get_link: simple_get_link,
    setattr: simple_setattr,
  };
  const ramfs_ops: SuperOperations = {
    alloc_inode: ramfs_alloc_inode,
    destroy_inode: ramfs_destroy_inode,
    evict_inode: ramfs_evict_inode,
    statfs: simple_statfs,
  };

  function* ramfs_mount(fsType: FileSystemType, flags: number, devName: string, data: string, kernel: Kernel): Sim<Dentry> {
    const fsi = parseOptions(data);
    const sb = alloc_super(kernel, fsType, devName);
    sb.s_magic = RAMFS_MAGIC;
    sb.s_blocksize = PAGE_SIZE;
    sb.s_maxbytes = MAX_LFS_FILESIZE;
    sb.s_flags = flags;
    sb.s_op = ramfs_ops;
    sb.s_fs_info = fsi;
    const inode = yield* ramfs_get_inode(sb, null, S_IFDIR | fsi.mode, Cred.root());
    const root = d_make_root(inode);
    sb.s_root = root;
    return root;
  }

  const ramfs_fs_type: FileSystemType = {
    name: 'ramfs',
    fs_flags: 0,
    owner: mod,
    mount: ramfs_mount,
    kill_sb: kill_litter_super,
  };

  return {
    tables: exportTables({
      file_operations: { ramfs_file_operations, ramfs_dir_operations },
      inode_operations: { ramfs_file_inode_operations, ramfs_dir_inode_operations, ramfs_symlink_inode_operations },
      super_operations: { ramfs_ops },
      file_system_type: { ramfs_fs_type },
    }),
    *init(kernel) {
      register_filesystem(kernel, ramfs_fs_type);
    },
    *exit(kernel) {
      unregister_filesystem(kernel, ramfs_fs_type);
    },
  };
}

export const ramfsModule: ModuleDefinition = {
  name: 'ramfs',
  version: '1.0.0',
  description: 'RAM-based file system (directories in the dcache, data in the page cache)',
  license: 'GPL',
  depends: [],
  size: 16384,
  instantiate,
};
