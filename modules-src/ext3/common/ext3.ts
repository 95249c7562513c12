/**
 * The ext3 module's shared definitions (Linux fs/ext3/ext3.h): the
 * per-module-instance context every slot closes over, the per-superblock
 * structure kept in `s_fs_info`, the per-open-file structure kept in
 * `private_data`, and the clock conversion between the VFS and the disk.
 *
 * The module is VFS glue plus ext3's own logic over the kernel's ext2/ext3
 * engine library (`Ext2Fs`, src/ext2): the engine owns the on-disk format,
 * the inode cache (`Ext2InodeInfo`, which is each VFS inode's `i_private`,
 * Linux's ext3_inode_info), file data and the journal; the module brings
 * namei and directory operations (namei-inode.ts, dir.ts, engine-ops.ts),
 * the block and inode allocators (balloc.ts, ialloc.ts) and block placement
 * (balloc-goal.ts, v3/balloc-rsv.ts), which the engine runs as its release
 * (`Ext2Release`). The glue maps VFS objects onto engine inode numbers and
 * keeps the VFS inode fields equal to the engine's after every operation
 * (see inode.ts `ext3_sync_inode`).
 *
 * Times. The VFS keeps inode times in modelled cycles; the disk keeps
 * seconds. Cycle 0 of the engine clock is second `EXT3_EPOCH` on disk (the
 * fixed mke2fs time of our images), so a fresh image starts "now". The VFS
 * inode keeps full precision while cached; its seconds always equal the
 * disk's.
 */
import type { Engine } from 'modswap/kernel';
import type { BlockDevice } from 'modswap/kernel';
import { Ext2Fs, type Ext2Release, type Ext2StateSnapshot } from 'modswap/kernel';
import type { Inode } from 'modswap/kernel';
import type { Kernel } from 'modswap/kernel';
import type { FileOperations, FileSystemType, InodeOperations, SuperOperations } from 'modswap/kernel';
import type { SuperBlock } from 'modswap/kernel';
import type { Module } from 'modswap/kernel';

/** s_magic of ext2/ext3 (include/uapi/linux/magic.h EXT3_SUPER_MAGIC). */
export const EXT3_SUPER_MAGIC = 0xef53;
/** Disk time (seconds) of engine cycle 0: the E2FSPROGS_FAKE_TIME our images are made with. */
export const EXT3_EPOCH = 1_000_000_000;

/** The tables of one module instance (chosen per inode type in ext3_set_inode_ops). */
export interface Ext3Tables {
  ext3_file_operations: FileOperations;
  ext3_dir_operations: FileOperations;
  ext3_file_inode_operations: InodeOperations;
  ext3_dir_inode_operations: InodeOperations;
  ext3_symlink_inode_operations: InodeOperations;
  ext3_special_inode_operations: InodeOperations;
  ext3_sops: SuperOperations;
  ext3_fs_type: FileSystemType;
}

/** The state formats of a release (update.ts) and how it writes them. */
export interface Ext3Formats {
  /** Formats it exports and imports, best first. */
  readonly formats: readonly string[];
  /** Generation stamped on the per-open-file structures it makes. */
  readonly fileFormat: 2 | 3;
  /** Its engine snapshot in `format` (a release with a newer inode layout converts it down). */
  exportAs(format: string, s: Ext2StateSnapshot): Ext2StateSnapshot;
}

/** One loaded instance of the ext3 code (one `Module`). */
export interface Ext3Ctx {
  readonly mod: Module;
  /** Engine generation: v1 (rename bug), v2, v3 (reservation windows). */
  readonly release: Ext2Release;
  /** The state formats this release speaks. */
  readonly formats: Ext3Formats;
  /** Superblocks this instance serves (export enumerates them; commit moves them). */
  readonly supers: Set<SuperBlock>;
  /** Filled once the tables are built (slots reach sibling tables through it). */
  tables: Ext3Tables;
  kernel: Kernel | null;
}

/**
 * Per-superblock structure (s_fs_info, Linux ext3_sb_info). A live update
 * replaces the whole object (new engine, same device, cache and inode
 * table), so a slot reads `EXT3_SB(sb).fs` at every call, never keeps it.
 */
export class Ext3SbInfo {
  constructor(
    readonly fs: Ext2Fs,
    readonly dev: BlockDevice,
    /** The inode hash (fs/inode.c inode_hashtable) for this superblock: engine ino -> VFS inode. */
    readonly inodes: Map<number, Inode>,
    /** The code instance serving this superblock. */
    readonly ctx: Ext3Ctx,
    /** Stable identity across live updates (the snapshot names superblocks by it). */
    readonly id: string,
    /** Open files with write access per inode (Linux i_writecount); the last one's close drops the reservation window. */
    readonly writers: Map<number, number> = new Map(),
  ) {}
}

/** Per-open-file structure (private_data). `format` is the state format generation that made it. */
export class Ext3FileInfo {
  constructor(readonly format: 2 | 3) {}
}

/** This release's ext3_sb_info of `sb` (a superblock this module instance serves). */
export function EXT3_SB(sb: SuperBlock): Ext3SbInfo {
  const sbi = sb.s_fs_info;
  if (!(sbi instanceof Ext3SbInfo)) throw new Error(`ext3: superblock ${sb.s_id} has no ext3_sb_info of this module instance`);
  return sbi;
}

/**
 * What a live update takes over by reference from another release's
 * ext3_sb_info (a class of another bundle: never `instanceof` this one's):
 * only kernel-owned objects and the superblock's id. The engine (a kernel
 * Ext2Fs holding the buffer cache and the JBD2 journal) is taken over by
 * the importer, which builds its own engine from the exported snapshot; the
 * inode hash and the writer counts are the VFS's. The rest of the old
 * ext3_sb_info (its module instance, its tables) is never touched.
 */
export interface Ext3HandedOver {
  readonly fs: Ext2Fs;
  readonly dev: BlockDevice;
  readonly inodes: Map<number, Inode>;
  readonly writers: Map<number, number>;
  readonly id: string;
}

export function ext3_handed_over(sb: SuperBlock): Ext3HandedOver {
  const o = sb.s_fs_info as Partial<Ext3HandedOver> | null;
  if (!o || !(o.fs instanceof Ext2Fs) || !(o.inodes instanceof Map) || !(o.writers instanceof Map) || typeof o.id !== 'string' || !o.dev) {
    throw new Error(`ext3: superblock ${sb.s_id} carries no ext3_sb_info this release can take over`);
  }
  return { fs: o.fs, dev: o.dev, inodes: o.inodes, writers: o.writers, id: o.id };
}

export function cyclesPerSecond(engine: Engine): number {
  return engine.cyclesPerUs * 1_000_000;
}

/** Disk seconds for a VFS time (cycles). */
export function ext3_disk_time(engine: Engine, cycles: number): number {
  return EXT3_EPOCH + Math.floor(cycles / cyclesPerSecond(engine));
}

/** VFS time (cycles) for disk seconds (the start of that second). */
export function ext3_vfs_time(engine: Engine, seconds: number): number {
  return (seconds - EXT3_EPOCH) * cyclesPerSecond(engine);
}
