/**
 * Access checks (fs/namei.c): generic_permission, inode_permission and the
 * directory-entry checks may_lookup, may_create, may_delete.
 *
 * Classic Unix rules: the owner class if fsuid is the owner, else the group
 * class if the caller is in the file's group, else other. Capabilities then
 * override as in Linux: CAP_DAC_OVERRIDE grants everything on directories and
 * read/write on files (execute only if some execute bit is set);
 * CAP_DAC_READ_SEARCH grants read on files and read/search on directories.
 * `generic_permission` is synchronous and allocation-free on success so the
 * path walk can call it per component.
 */
import type { Sim } from '../sim/effects.ts';
import { errno, type ErrnoCode } from '../uapi/errno.ts';
import type { Dentry } from './dentry.ts';
import { S_DEAD, type Inode } from './inode.ts';
import type { Cred } from './task.ts';
import { CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, MAY_EXEC, MAY_READ, MAY_WRITE, MS_RDONLY } from './types.ts';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, S_ISDIR, S_ISVTX } from '../uapi/stat.ts';

/** The mode-bit check with capability overrides; null when granted. */
export function generic_permission(cred: Cred, inode: Inode, mask: number): ErrnoCode | null {
  mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
  const mode = inode.i_mode;
  let bits: number;
  if (cred.uid === inode.i_uid) bits = mode >> 6;
  else if (cred.in_group_p(inode.i_gid)) bits = mode >> 3;
  else bits = mode;
  if ((mask & ~bits & 7) === 0) return null;
  if (S_ISDIR(mode)) {
    if (!(mask & MAY_WRITE) && cred.capable(CAP_DAC_READ_SEARCH)) return null;
    if (cred.capable(CAP_DAC_OVERRIDE)) return null;
    return 'EACCES';
  }
  if ((!(mask & MAY_EXEC) || mode & 0o111) && cred.capable(CAP_DAC_OVERRIDE)) return null;
  if (mask === MAY_READ && cred.capable(CAP_DAC_READ_SEARCH)) return null;
  return 'EACCES';
}

/**
 * inode_permission: EROFS for writes on a read-only file system, then the
 * module's ->permission slot, or generic_permission when it has none.
 */
export function* inode_permission(cred: Cred, inode: Inode, mask: number): Sim<void> {
  if (mask & MAY_WRITE && inode.i_sb.s_flags & MS_RDONLY) {
    const t = inode.i_mode & S_IFMT;
    if (t === S_IFREG || t === S_IFDIR || t === S_IFLNK) throw errno('EROFS');
  }
  const perm = inode.i_op.permission;
  if (perm) return yield* perm(inode, mask, cred);
  const err = generic_permission(cred, inode, mask);
  if (err) throw errno(err);
}

/**
 * Search permission on a directory during a walk. Returns true when the
 * generic check passed synchronously; false means the caller must run
 * `inode_permission` (the module has its own ->permission), which keeps the
 * common walk step free of generator allocation.
 */
export function may_lookup_fast(cred: Cred, dir: Inode): boolean {
  if (dir.i_op.permission) return false;
  const err = generic_permission(cred, dir, MAY_EXEC);
  if (err) throw errno(err);
  return true;
}

/** Owner of the file, or CAP_FOWNER (inode_owner_or_capable). */
export function inode_owner_or_capable(cred: Cred, inode: Inode): boolean {
  return cred.uid === inode.i_uid || cred.capable(CAP_FOWNER);
}

/** The sticky-bit rule: in a +t directory only the owner of the file or of the directory may remove it. */
export function check_sticky(cred: Cred, dir: Inode, inode: Inode): boolean {
  if (!(dir.i_mode & S_ISVTX)) return false;
  if (inode.i_uid === cred.uid || dir.i_uid === cred.uid) return false;
  return !cred.capable(CAP_FOWNER);
}

/** May `child` be created in `dir`? (fs/namei.c may_create) */
export function* may_create(cred: Cred, dir: Inode, child: Dentry): Sim<void> {
  if (child.d_inode) throw errno('EEXIST');
  if (dir.i_flags & S_DEAD) throw errno('ENOENT');
  yield* inode_permission(cred, dir, MAY_WRITE | MAY_EXEC);
}

/** May `victim` be removed from `dir`? (fs/namei.c may_delete) */
export function* may_delete(cred: Cred, dir: Inode, victim: Dentry, isdir: boolean): Sim<void> {
  const inode = victim.d_inode;
  if (!inode) throw errno('ENOENT');
  yield* inode_permission(cred, dir, MAY_WRITE | MAY_EXEC);
  if (check_sticky(cred, dir, inode)) throw errno('EPERM');
  if (isdir) {
    if (!S_ISDIR(inode.i_mode)) throw errno('ENOTDIR');
    if (victim.is_root) throw errno('EBUSY');
  } else if (S_ISDIR(inode.i_mode)) {
    throw errno('EISDIR');
  }
  if (dir.i_flags & S_DEAD) throw errno('ENOENT');
}
