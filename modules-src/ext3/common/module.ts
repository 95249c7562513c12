/**
 * The `ext3` module's definition, shared by every release's bundle: the
 * tables, module_init/module_exit and the live-update hooks, built around
 * the release's own engine code (its `rename`, its allocator and inode
 * layout: modules-src/ext3/vN) and its state formats. Each release's entry
 * point (vN/index.ts) calls `ext3ModuleDefinition` and is built into one
 * self-contained bundle; two releases share source here the way two kernel
 * releases share fs/ext3 files, never objects at run time.
 *
 * `instantiate` runs once per insmod: fresh tables per load (ext3_get_inode's
 * per-type choice lives in inode.ts `ext3_set_inode_ops`).
 */
import type { Sim } from 'modswap/kernel';
import { register_filesystem, unregister_filesystem } from 'modswap/kernel';
import type { Inode } from 'modswap/kernel';
import type { Kernel } from 'modswap/kernel';
import { generic_file_llseek } from 'modswap/kernel';
import type { FileOperations, FileSystemType, InodeOperations, SuperOperations } from 'modswap/kernel';
import { FS_REQUIRES_DEV } from 'modswap/kernel';
import { exportTables, type Ext2Release, type Module, type ModuleBody, type ModuleDefinition } from 'modswap/kernel';
import type { Ext3Ctx, Ext3Formats, Ext3Tables } from './ext3.ts';
import { ext3_file_ops } from './file.ts';
import { ext3_destroy_inode, ext3_evict_inode, ext3_setattr } from './inode.ts';
import { ext3_namei_operations } from './namei.ts';
import { ext3_super_operations } from './super.ts';
import { ext3_update_hooks } from './update.ts';

function instantiateRelease(release: Ext2Release, formats: Ext3Formats, mod: Module): ModuleBody {
  const ctx: Ext3Ctx = { mod, release, formats, supers: new Set(), tables: null as unknown as Ext3Tables, kernel: null };
  const n = ext3_namei_operations(ctx);
  const f = ext3_file_ops(ctx);
  const s = ext3_super_operations(ctx);

  const ext3_file_operations: FileOperations = {
    owner: mod,
    open: f.ext3_file_open,
    release: f.ext3_release_file,
    read: f.ext3_file_read,
    write: f.ext3_file_write,
    llseek: generic_file_llseek,
    fsync: f.ext3_sync_file,
  };
  const ext3_dir_operations: FileOperations = {
    owner: mod,
    open: f.ext3_file_open,
    release: f.ext3_release_file,
    read: f.ext3_dir_read,
    iterate: f.ext3_readdir,
    llseek: generic_file_llseek,
    fsync: f.ext3_sync_file,
  };
  // getattr: none, the VFS's generic_fillattr reads the inode the slots keep in step.
  const ext3_file_inode_operations: InodeOperations = { setattr: ext3_setattr };
  const ext3_dir_inode_operations: InodeOperations = {
    create: n.ext3_create,
    lookup: n.ext3_lookup,
    link: n.ext3_link,
    unlink: n.ext3_unlink,
    symlink: n.ext3_symlink,
    mkdir: n.ext3_mkdir,
    rmdir: n.ext3_rmdir,
    rename: n.ext3_rename,
    setattr: ext3_setattr,
  };
  const ext3_symlink_inode_operations: InodeOperations = { get_link: f.ext3_get_link, setattr: ext3_setattr };
  const ext3_special_inode_operations: InodeOperations = { setattr: ext3_setattr };
  const ext3_sops: SuperOperations = {
    destroy_inode: function* (inode: Inode): Sim<void> {
      ext3_destroy_inode(ctx, inode);
    },
    evict_inode: ext3_evict_inode,
    put_super: s.ext3_put_super,
    sync_fs: s.ext3_sync_fs,
    statfs: s.ext3_statfs,
  };
  const ext3_fs_type: FileSystemType = {
    name: 'ext3',
    fs_flags: FS_REQUIRES_DEV,
    owner: mod,
    mount: s.ext3_mount,
    kill_sb: s.ext3_kill_sb,
  };
  ctx.tables = {
    ext3_file_operations,
    ext3_dir_operations,
    ext3_file_inode_operations,
    ext3_dir_inode_operations,
    ext3_symlink_inode_operations,
    ext3_special_inode_operations,
    ext3_sops,
    ext3_fs_type,
  };
  return {
    tables: exportTables({
      file_operations: { ext3_file_operations, ext3_dir_operations },
      inode_operations: { ext3_file_inode_operations, ext3_dir_inode_operations, ext3_symlink_inode_operations, ext3_special_inode_operations },
      super_operations: { ext3_sops },
      file_system_type: { ext3_fs_type },
    }),
    /** module_init: register the type (during a live update the VFS stages it until redirect). */
    *init(kernel: Kernel) {
      ctx.kernel = kernel;
      register_filesystem(kernel, ext3_fs_type);
    },
    /** module_exit: unregister, unless a newer release's type has taken the name over. */
    *exit(kernel: Kernel) {
      if (kernel.file_systems.get('ext3') === ext3_fs_type) unregister_filesystem(kernel, ext3_fs_type);
    },
    update: ext3_update_hooks(ctx),
  };
}

/** What a release's entry point supplies. */
export interface Ext3ReleaseSpec {
  readonly release: Ext2Release;
  readonly formats: Ext3Formats;
  readonly description: string;
}

/** The `ModuleDefinition` of one release (`version` is the release number as lsmod prints it). */
export function ext3ModuleDefinition(spec: Ext3ReleaseSpec): ModuleDefinition {
  return {
    name: 'ext3',
    version: String(spec.release.version),
    description: spec.description,
    license: 'GPL',
    depends: [],
    size: 98304,
    instantiate: (mod: Module) => instantiateRelease(spec.release, spec.formats, mod),
  };
}
