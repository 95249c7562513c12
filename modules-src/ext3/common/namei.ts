/**
 * ext3 directory inode operations (Linux fs/ext3/namei.c): lookup, create,
 * mkdir, unlink, rmdir, rename, link, symlink. Each is a thin slot: it runs
 * this release's operation on engine inode numbers (engine-ops.ts: one JBD2
 * handle over namei-inode.ts and dir.ts, which keep the image consistent), then binds or
 * updates dentries and brings every VFS inode it touched in step
 * (ext3_sync_inode).
 *
 * Locks (ops.ts): the VFS holds the directory's i_rwsem for every slot here;
 * rename also holds s_vfs_rename_mutex across directories and both
 * parents' i_rwsem. Every slot may block (disk reads, journal commits).
 */
import type { Sim } from 'modswap/kernel';
import { errno } from 'modswap/kernel';
import { d_add, d_instantiate, type Dentry } from 'modswap/kernel';
import { ihold, type Inode } from 'modswap/kernel';
import type { Cred } from 'modswap/kernel';
import { NAME_MAX } from 'modswap/kernel';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, S_ISGID, S_ISDIR } from 'modswap/kernel';
import { EXT3_SB, type Ext3Ctx } from './ext3.ts';
import { ext3_iget, ext3_sync_inode, ext3_touch } from './inode.ts';
import { lookupIno } from './engine-ops.ts';

/** RENAME_NOREPLACE (include/uapi/linux/fs.h). */
const RENAME_NOREPLACE = 1;

function nameTooLong(name: string): boolean {
  return name.length > NAME_MAX / 3 && Buffer.byteLength(name) > NAME_MAX;
}

/** Owner of a new inode (inode_init_owner): a set-group-ID directory passes its group on. */
function newOwner(dir: Inode, mode: number, cred: Cred): { mode: number; uid: number; gid: number } {
  if (dir.i_mode & S_ISGID) return { mode: S_ISDIR(mode) ? mode | S_ISGID : mode, uid: cred.uid, gid: dir.i_gid };
  return { mode, uid: cred.uid, gid: cred.gid };
}

export function ext3_namei_operations(ctx: Ext3Ctx) {
  /** Bind `dentry` to the new inode `ino` and bring the directory in step. */
  function* instantiate(dir: Inode, dentry: Dentry, ino: number): Sim<void> {
    const inode = yield* ext3_iget(ctx, dir.i_sb, ino);
    d_instantiate(dentry, inode);
    ext3_touch(dir);
    ext3_sync_inode(dir);
  }

  function* ext3_lookup(dir: Inode, dentry: Dentry): Sim<void> {
    if (nameTooLong(dentry.d_name)) throw errno('ENAMETOOLONG');
    if (dir.i_nlink === 0) {
      // A removed directory (still someone's cwd) has no entries and no blocks left to read.
      d_add(dentry, null);
      return;
    }
    // engine-ops' lookup without its ENOENT: a miss (every create's) is a negative dentry
    const ino = yield* lookupIno(EXT3_SB(dir.i_sb).fs, dir.i_ino, dentry.d_name);
    if (ino === 0) {
      d_add(dentry, null);
      return;
    }
    d_add(dentry, yield* ext3_iget(ctx, dir.i_sb, ino));
  }

  function* ext3_create(dir: Inode, dentry: Dentry, mode: number, _excl: boolean, cred: Cred): Sim<void> {
    const o = newOwner(dir, (mode & ~S_IFMT) | S_IFREG, cred);
    const info = yield* ctx.release.namei.create(EXT3_SB(dir.i_sb).fs, dir.i_ino, dentry.d_name, o.mode, o.uid, o.gid);
    yield* instantiate(dir, dentry, info.ino);
  }

  function* ext3_mkdir(dir: Inode, dentry: Dentry, mode: number, cred: Cred): Sim<void> {
    const o = newOwner(dir, (mode & ~S_IFMT) | S_IFDIR, cred);
    const info = yield* ctx.release.namei.mkdir(EXT3_SB(dir.i_sb).fs, dir.i_ino, dentry.d_name, o.mode, o.uid, o.gid);
    yield* instantiate(dir, dentry, info.ino);
  }

  function* ext3_symlink(dir: Inode, dentry: Dentry, target: string, cred: Cred): Sim<void> {
    const o = newOwner(dir, S_IFLNK | 0o777, cred);
    const info = yield* ctx.release.namei.symlink(EXT3_SB(dir.i_sb).fs, dir.i_ino, dentry.d_name, target, o.uid, o.gid);
    yield* instantiate(dir, dentry, info.ino);
  }

  function* ext3_link(oldDentry: Dentry, dir: Inode, dentry: Dentry): Sim<void> {
    const inode = oldDentry.d_inode!;
    yield* ctx.release.namei.link(EXT3_SB(dir.i_sb).fs, inode.i_ino, dir.i_ino, dentry.d_name);
    ihold(inode);
    d_instantiate(dentry, inode);
    ext3_touch(inode, false);
    ext3_sync_inode(inode);
    ext3_touch(dir);
    ext3_sync_inode(dir);
  }

  /** The VFS d_deletes the dentry afterwards; a file left without names lives until its last iput. */
  function* ext3_unlink(dir: Inode, dentry: Dentry): Sim<void> {
    const inode = dentry.d_inode!;
    yield* ctx.release.namei.unlink(EXT3_SB(dir.i_sb).fs, dir.i_ino, dentry.d_name);
    ext3_touch(inode, false);
    ext3_sync_inode(inode);
    ext3_touch(dir);
    ext3_sync_inode(dir);
  }

  function* ext3_rmdir(dir: Inode, dentry: Dentry): Sim<void> {
    const inode = dentry.d_inode!;
    yield* ctx.release.namei.rmdir(EXT3_SB(dir.i_sb).fs, dir.i_ino, dentry.d_name);
    ext3_touch(inode, false);
    ext3_sync_inode(inode);
    ext3_touch(dir);
    ext3_sync_inode(dir);
  }

  /**
   * The engine moves the entry, rewrites a moved directory's `..` and moves
   * the parents' links (the release's rename: v1/rename.ts forgets, v2/rename.ts fixes). The VFS
   * then d_deletes a replaced target and d_moves the dentry.
   */
  function* ext3_rename(oldDir: Inode, oldDentry: Dentry, newDir: Inode, newDentry: Dentry, flags: number): Sim<void> {
    if (flags & ~RENAME_NOREPLACE) throw errno('EINVAL');
    const target = newDentry.d_inode;
    if (target && flags & RENAME_NOREPLACE) throw errno('EEXIST');
    const source = oldDentry.d_inode!;
    yield* ctx.release.namei.rename(EXT3_SB(oldDir.i_sb).fs, oldDir.i_ino, oldDentry.d_name, newDir.i_ino, newDentry.d_name);
    for (const inode of new Set([source, oldDir, newDir, ...(target ? [target] : [])])) {
      ext3_touch(inode, inode !== source && inode !== target);
      ext3_sync_inode(inode);
    }
  }

  return { ext3_lookup, ext3_create, ext3_mkdir, ext3_symlink, ext3_link, ext3_unlink, ext3_rmdir, ext3_rename };
}
