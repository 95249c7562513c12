/**
 * The namespace operations of fs/namei.c: vfs_create, vfs_mkdir, vfs_rmdir,
 * vfs_unlink, vfs_link, vfs_symlink, vfs_rename.
 *
 * Each checks what Linux checks before it calls the directory's slot
 * (may_create / may_delete, mount points, types), looks the slot up in
 * `dir.i_op` at the call, and after success updates the dcache (d_delete,
 * d_move). A missing slot gives Linux's errno: EACCES for create, EPERM for
 * the others.
 *
 * Contract: the caller holds the parent directory's i_rwsem (for rename:
 * s_vfs_rename_mutex when the parents differ, and both parents' i_rwsem),
 * and has resolved the dentries with lookup_hash under that lock.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import { d_delete, d_move, type Dentry } from './dentry.ts';
import { S_DEAD, type Inode } from './inode.ts';
import { inode_permission, may_create, may_delete } from './permission.ts';
import type { Cred } from './task.ts';
import { MAY_WRITE } from './types.ts';
import { S_IALLUGO, S_IFREG, S_IRWXUGO, S_ISDIR, S_ISVTX } from '../uapi/stat.ts';

export function* vfs_create(cred: Cred, dir: Inode, dentry: Dentry, mode: number, excl: boolean): Sim<void> {
  yield* may_create(cred, dir, dentry);
  const create = dir.i_op.create;
  if (!create) throw errno('EACCES');
  yield* create(dir, dentry, (mode & S_IALLUGO) | S_IFREG, excl, cred);
}

export function* vfs_mkdir(cred: Cred, dir: Inode, dentry: Dentry, mode: number): Sim<void> {
  yield* may_create(cred, dir, dentry);
  const mkdir = dir.i_op.mkdir;
  if (!mkdir) throw errno('EPERM');
  yield* mkdir(dir, dentry, mode & (S_IRWXUGO | S_ISVTX), cred);
}

export function* vfs_symlink(cred: Cred, dir: Inode, dentry: Dentry, target: string): Sim<void> {
  yield* may_create(cred, dir, dentry);
  const symlink = dir.i_op.symlink;
  if (!symlink) throw errno('EPERM');
  yield* symlink(dir, dentry, target, cred);
}

export function* vfs_rmdir(cred: Cred, dir: Inode, dentry: Dentry): Sim<void> {
  yield* may_delete(cred, dir, dentry, true);
  const rmdir = dir.i_op.rmdir;
  if (!rmdir) throw errno('EPERM');
  if (dentry.d_mounted > 0) throw errno('EBUSY');
  const victim = dentry.d_inode!;
  yield* rmdir(dir, dentry);
  victim.i_flags |= S_DEAD;
  yield* d_delete(dentry);
}

export function* vfs_unlink(cred: Cred, dir: Inode, dentry: Dentry): Sim<void> {
  yield* may_delete(cred, dir, dentry, false);
  const unlink = dir.i_op.unlink;
  if (!unlink) throw errno('EPERM');
  if (dentry.d_mounted > 0) throw errno('EBUSY');
  yield* unlink(dir, dentry);
  yield* d_delete(dentry);
}

export function* vfs_link(cred: Cred, oldDentry: Dentry, dir: Inode, newDentry: Dentry): Sim<void> {
  const inode = oldDentry.d_inode;
  if (!inode) throw errno('ENOENT');
  yield* may_create(cred, dir, newDentry);
  if (dir.i_sb !== inode.i_sb) throw errno('EXDEV');
  if (S_ISDIR(inode.i_mode)) throw errno('EPERM');
  const link = dir.i_op.link;
  if (!link) throw errno('EPERM');
  if (inode.i_nlink === 0) throw errno('ENOENT');
  yield* link(oldDentry, dir, newDentry);
}

/**
 * Rename `oldDentry` in `oldDir` to `newDentry` in `newDir`. The caller has
 * already rejected moves into the source's own subtree (EINVAL) and onto an
 * ancestor of the source (ENOTEMPTY), and EXDEV.
 */
export function* vfs_rename(
  cred: Cred,
  oldDir: Inode,
  oldDentry: Dentry,
  newDir: Inode,
  newDentry: Dentry,
  flags: number,
): Sim<void> {
  const source = oldDentry.d_inode;
  const target = newDentry.d_inode;
  if (source === target) return; // two names of one inode: POSIX says do nothing
  if (!source) throw errno('ENOENT');
  const isdir = S_ISDIR(source.i_mode);
  yield* may_delete(cred, oldDir, oldDentry, isdir);
  if (!target) yield* may_create(cred, newDir, newDentry);
  else yield* may_delete(cred, newDir, newDentry, isdir);
  const rename = oldDir.i_op.rename;
  if (!rename) throw errno('EPERM');
  // moving a directory rewrites its `..`: needs write permission on it
  if (isdir && newDir !== oldDir) yield* inode_permission(cred, source, MAY_WRITE);
  if (oldDentry.d_mounted > 0 || newDentry.d_mounted > 0) throw errno('EBUSY');
  yield* rename(oldDir, oldDentry, newDir, newDentry, flags);
  if (target) {
    if (isdir) target.i_flags |= S_DEAD;
    yield* d_delete(newDentry);
  }
  d_move(oldDentry, newDentry);
}
