/**
 * ext3 inodes (Linux fs/ext3/inode.c): ext3_iget, keeping the VFS inode in
 * step with the engine's, attribute changes, and the end of an inode's life.
 *
 * Lifecycle. `ext3_iget(sb, ino)` finds the VFS inode for an engine inode
 * number in the superblock's inode hash, or builds one from the engine's
 * cached `Ext2InodeInfo` (which becomes `i_private`, allocated through the
 * module's instance registry) and picks its tables by type. The VFS counts
 * references (dentries, open files); a linked inode whose count falls to
 * zero stays cached. When the last reference to an inode with no links
 * goes, the VFS evicts it: `ext3_evict_inode` tells the engine (`drop`),
 * which frees an unlinked inode then, so an unlinked open file lives until
 * its last close. Unmount evicts everything else.
 *
 * Consistency rule: after every engine call that may change an inode, the
 * slot calls `ext3_sync_inode` on every VFS inode the call touched, so
 * i_nlink, i_size, i_mode, owner, i_blocks and the times' seconds equal the
 * engine's. Times are stamped by the slot in cycles first (as Linux stamps
 * current_time), then reconciled to the disk's seconds.
 */
import type { Sim } from 'modswap/kernel';
import { errno } from 'modswap/kernel';
import type { Ext2Fs, Ext2InodeInfo, Ext2SetAttr } from 'modswap/kernel';
import { simple_setattr_copy } from 'modswap/kernel';
import type { Dentry } from 'modswap/kernel';
import { Inode, ihold } from 'modswap/kernel';
import type { SuperBlock } from 'modswap/kernel';
import { ATTR_ATIME, ATTR_CTIME, ATTR_GID, ATTR_MODE, ATTR_MTIME, ATTR_SIZE, ATTR_UID, type Iattr } from 'modswap/kernel';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from 'modswap/kernel';
import { EXT3_SB, Ext3SbInfo, ext3_disk_time, ext3_vfs_time, type Ext3Ctx } from './ext3.ts';

/**
 * The engine's in-memory inode behind a VFS inode (Linux EXT3_I). After a
 * live update that handed the inode cache over lazily, an inode still
 * holding the old release's structure is switched here, at its next use:
 * its data converted (or found already converted) and its tables this
 * release's. No-op otherwise.
 */
export function EXT3_I(inode: Inode): Ext2InodeInfo {
  const sbi = inode.i_sb.s_fs_info as Ext3SbInfo | null;
  const priv = inode.i_private as Ext2InodeInfo;
  if (!sbi || !(sbi instanceof Ext3SbInfo) || !sbi.fs.icache.handingOver) return priv;
  const info = ext3_switch_private(sbi.fs, inode);
  if (info !== priv) {
    inode.i_private = info;
    ext3_set_inode_ops(sbi.ctx, inode);
  }
  return info;
}

/**
 * The current structure for `inode` while a lazy hand-over is open: its own
 * if this engine made it, else the converted one (the engine's cache
 * converts the handed-over inode of that number, or the instance's own
 * old structure is converted and cached). Never blocks.
 */
export function ext3_switch_private(fs: Ext2Fs, inode: Inode, how: 'onUse' | 'background' = 'onUse'): Ext2InodeInfo {
  const priv = inode.i_private as Ext2InodeInfo;
  if (fs.icache.isCurrent(priv)) return priv;
  return fs.icache.lookup(inode.i_ino, how) ?? fs.icache.adoptForeign(priv);
}

/** Point `inode` at the tables for its type (the switch in ext3_iget). */
export function ext3_set_inode_ops(ctx: Ext3Ctx, inode: Inode): void {
  const t = ctx.tables;
  switch (inode.i_mode & S_IFMT) {
    case S_IFREG:
      inode.i_op = t.ext3_file_inode_operations;
      inode.i_fop = t.ext3_file_operations;
      break;
    case S_IFDIR:
      inode.i_op = t.ext3_dir_inode_operations;
      inode.i_fop = t.ext3_dir_operations;
      break;
    case S_IFLNK:
      // Fast (in i_block) and slow (one data block) symlinks share a table:
      // the engine's readlink tells them apart.
      inode.i_op = t.ext3_symlink_inode_operations;
      break;
    default:
      inode.i_op = t.ext3_special_inode_operations;
  }
}

/**
 * Copy the engine inode's fields into the VFS inode. A time keeps its
 * cycle precision while its second matches the disk; otherwise it becomes
 * the disk's second (the engine stamped it later than the slot did).
 */
export function ext3_sync_inode(inode: Inode, info: Ext2InodeInfo = EXT3_I(inode)): void {
  const d = info.disk;
  const engine = inode.i_sb.s_kernel.engine;
  inode.i_mode = d.i_mode;
  inode.i_nlink = d.i_links_count;
  inode.i_size = d.i_size;
  inode.i_uid = d.i_uid;
  inode.i_gid = d.i_gid;
  inode.i_blocks = d.i_blocks;
  if (ext3_disk_time(engine, inode.i_atime) !== d.i_atime) inode.i_atime = ext3_vfs_time(engine, d.i_atime);
  if (ext3_disk_time(engine, inode.i_mtime) !== d.i_mtime) inode.i_mtime = ext3_vfs_time(engine, d.i_mtime);
  if (ext3_disk_time(engine, inode.i_ctime) !== d.i_ctime) inode.i_ctime = ext3_vfs_time(engine, d.i_ctime);
}

/** Stamp ctime (and mtime) with the current modelled time, before ext3_sync_inode reconciles. */
export function ext3_touch(inode: Inode, mtime = true): void {
  const now = inode.i_sb.s_kernel.engine.now;
  inode.i_ctime = now;
  if (mtime) inode.i_mtime = now;
}

/**
 * The VFS inode for engine inode `ino`, with one new reference (Linux
 * ext3_iget over iget_locked). May block (reads the inode table).
 */
export function* ext3_iget(ctx: Ext3Ctx, sb: SuperBlock, ino: number): Sim<Inode> {
  const sbi = EXT3_SB(sb);
  const hit = sbi.inodes.get(ino);
  if (hit) {
    ihold(hit);
    return hit;
  }
  const info = yield* sbi.fs.iget(ino);
  // Another thread may have built it while we waited for the inode table.
  const raced = sbi.inodes.get(ino);
  if (raced) {
    ihold(raced);
    return raced;
  }
  const inode = new Inode(sb);
  inode.i_ino = ino;
  inode.i_count = 1;
  const d = info.disk;
  const engine = sb.s_kernel.engine;
  inode.i_atime = ext3_vfs_time(engine, d.i_atime);
  inode.i_mtime = ext3_vfs_time(engine, d.i_mtime);
  inode.i_ctime = ext3_vfs_time(engine, d.i_ctime);
  ext3_sync_inode(inode, info);
  if ((d.i_mode & S_IFMT) !== S_IFREG && (d.i_mode & S_IFMT) !== S_IFDIR && (d.i_mode & S_IFMT) !== S_IFLNK) {
    inode.i_rdev = d.i_block[0] ?? 0;
  }
  ext3_set_inode_ops(ctx, inode);
  ctx.mod.instances.allocInode(inode, () => info);
  sb.s_inodes.add(inode);
  sbi.inodes.set(ino, inode);
  return inode;
}

/** Last reference gone (unlinked) or unmount: let the engine free or forget the inode. */
export function* ext3_evict_inode(inode: Inode): Sim<void> {
  const sbi = EXT3_SB(inode.i_sb);
  if (sbi.inodes.get(inode.i_ino) === inode) sbi.inodes.delete(inode.i_ino);
  yield* sbi.ctx.release.namei.drop(sbi.fs, inode.i_ino);
}

export function ext3_destroy_inode(ctx: Ext3Ctx, inode: Inode): void {
  ctx.mod.instances.freeInode(inode);
}

/**
 * ->setattr (ext3_setattr): the VFS validated the change; apply it to the
 * engine in one operation (a size change truncates or extends with a hole),
 * then to the VFS inode. Caller holds the inode's i_rwsem.
 */
export function* ext3_setattr(dentry: Dentry, attr: Iattr): Sim<void> {
  const inode = dentry.d_inode;
  if (!inode) throw errno('ENOENT');
  const sbi = EXT3_SB(inode.i_sb);
  const engine = inode.i_sb.s_kernel.engine;
  const v = attr.ia_valid;
  const change: Ext2SetAttr = {};
  if (v & ATTR_SIZE) {
    if (attr.ia_size > inode.i_sb.s_maxbytes) throw errno('EFBIG');
    change.size = attr.ia_size;
  }
  if (v & ATTR_MODE) change.mode = attr.ia_mode & 0o7777;
  if (v & ATTR_UID) change.uid = attr.ia_uid;
  if (v & ATTR_GID) change.gid = attr.ia_gid;
  const t = ext3_disk_time(engine, attr.ia_time);
  if (v & ATTR_ATIME) change.atime = t;
  if (v & ATTR_MTIME) change.mtime = t;
  if (v & ATTR_CTIME) change.ctime = t;
  yield* sbi.fs.setattr(inode.i_ino, change);
  simple_setattr_copy(inode, attr);
  ext3_sync_inode(inode);
}
