/**
 * The `ext3` module: three releases of one implementation, parameterised by
 * the engine generation (src/ext2/logic.ts):
 *
 *   '1'  ships the rename link-count bug (a directory moved to another
 *        parent leaves both parents' link counts wrong);
 *   '2'  fixes it;
 *   '3'  adds per-inode block reservation windows (a new ext3_inode_info
 *        layout: a v2 -> v3 live update converts every cached inode).
 *
 * `ext3Definition(version)` gives the `ModuleDefinition` of a release; the
 * registry (src/modules/index.ts) maps `ext3` to the newest. `instantiate`
 * builds fresh tables per load (ext3_get_inode's per-type choice lives in
 * inode.ts `ext3_set_inode_ops`) and the live-update hooks (`update`).
 */
import type { Sim } from '../../sim/effects.ts';
import { logicForVersion } from '../../ext2/index.ts';
import { register_filesystem, unregister_filesystem } from '../../vfs/filesystems.ts';
import type { Inode } from '../../vfs/inode.ts';
import type { Kernel } from '../../vfs/kernel.ts';
import { generic_file_llseek } from '../../vfs/libfs.ts';
import type { FileOperations, FileSystemType, InodeOperations, SuperOperations } from '../../vfs/ops.ts';
import { FS_REQUIRES_DEV } from '../../vfs/types.ts';
import { exportTables, type Module, type ModuleBody, type ModuleDefinition } from '../core/module.ts';
import type { Ext3Ctx, Ext3Tables } from './ext3.ts';
import { ext3_file_ops } from './file.ts';
import { ext3_destroy_inode, ext3_evict_inode, ext3_setattr } from './inode.ts';
import { ext3_namei_operations } from './namei.ts';
import { ext3_super_operations } from './super.ts';
import { ext3_update_hooks } from './update.ts';

/** Releases of the module, oldest first. */
export const EXT3_VERSIONS = ['1', '2', '3'] as const;
export type Ext3Version = (typeof EXT3_VERSIONS)[number];
export const EXT3_NEWEST: Ext3Version = '3';

function instantiateVersion(version: number, mod: Module): ModuleBody {
  const ctx: Ext3Ctx = { mod, logic: logicForVersion(version), supers: new Set(), tables: null as unknown as Ext3Tables, kernel: null };
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

const DESCRIPTIONS: Record<Ext3Version, string> = {
  '1': 'ext3 v1: journaling ext2 file system on a block device (rename link-count bug)',
  '2': 'ext3 v2: journaling ext2 file system on a block device (rename fixed)',
  '3': 'ext3 v3: journaling ext2 file system on a block device (per-inode reservation windows)',
};

const DEFINITIONS = new Map<string, ModuleDefinition>(
  EXT3_VERSIONS.map((v) => [
    v,
    {
      name: 'ext3',
      version: v,
      description: DESCRIPTIONS[v],
      license: 'GPL',
      depends: [],
      size: 98304,
      instantiate: (mod: Module) => instantiateVersion(Number(v), mod),
    } satisfies ModuleDefinition,
  ]),
);

/** The `ext3` module at release `version` ('1', '2', '3' or the number). */
export function ext3Definition(version: string | number = EXT3_NEWEST): ModuleDefinition {
  const def = DEFINITIONS.get(String(version));
  if (!def) throw new RangeError(`no ext3 release ${version} (have ${EXT3_VERSIONS.join(', ')})`);
  return def;
}

export const ext3Module: ModuleDefinition = ext3Definition(EXT3_NEWEST);
