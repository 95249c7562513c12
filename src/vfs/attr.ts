/**
 * Attributes (fs/attr.c, fs/stat.c, fs/open.c): notify_change with
 * setattr_prepare's permission rules, simple_setattr, vfs_getattr with
 * generic_fillattr, and do_truncate.
 *
 * Rules (setattr_prepare): changing the mode needs ownership or CAP_FOWNER
 * (EPERM), and S_ISGID is dropped unless the caller is in the file's group
 * or has CAP_FSETID; changing the owner needs CAP_CHOWN; changing the group
 * needs ownership and membership of the new group, or CAP_CHOWN.
 *
 * Set-id bits (Linux 2.6-5.x, the ext3 era): a chown of anything but a
 * directory, even with -1 for both ids, asks to clear S_ISUID and S_ISGID
 * (ATTR_KILL_SUID/SGID); a write or truncate of a regular file by a caller
 * without CAP_FSETID asks the same (should_remove_suid), with the kernel's
 * authority (ATTR_FORCE: the writer need not own the file). notify_change
 * turns the request into a mode change: S_ISUID goes if set, S_ISGID only
 * together with group-execute (without it S_ISGID marks mandatory locking).
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import type { Dentry } from './dentry.ts';
import type { Inode } from './inode.ts';
import { simple_setattr } from './libfs.ts';
import { inode_owner_or_capable } from './permission.ts';
import type { Cred } from './task.ts';
import { ATTR_CTIME, ATTR_FORCE, ATTR_GID, ATTR_KILL_SGID, ATTR_KILL_SUID, ATTR_MODE, ATTR_MTIME, ATTR_SIZE, ATTR_UID, CAP_CHOWN, CAP_FSETID, type Iattr } from './types.ts';
import { S_IALLUGO, S_IFMT, S_ISGID, S_ISREG, S_ISUID, S_IXGRP, type Stat } from '../uapi/stat.ts';

export function newIattr(valid: number): Iattr {
  return { ia_valid: valid, ia_mode: 0, ia_uid: -1, ia_gid: -1, ia_size: 0, ia_time: 0 };
}

/** Check an attribute change against the caller's rights (fs/attr.c setattr_prepare). */
export function setattr_prepare(cred: Cred, inode: Inode, attr: Iattr): void {
  const v = attr.ia_valid;
  const owner = cred.uid === inode.i_uid;
  // chown_ok / chgrp_ok: the owner may only "change" the owner to itself and
  // the group to one it belongs to; anything else needs CAP_CHOWN
  if (v & ATTR_UID && !(owner && attr.ia_uid === inode.i_uid) && !cred.capable(CAP_CHOWN)) throw errno('EPERM');
  if (v & ATTR_GID) {
    const ok = (owner && (attr.ia_gid === inode.i_gid || cred.in_group_p(attr.ia_gid))) || cred.capable(CAP_CHOWN);
    if (!ok) throw errno('EPERM');
  }
  if (v & ATTR_MODE) {
    if (!inode_owner_or_capable(cred, inode)) throw errno('EPERM');
    const gid = v & ATTR_GID ? attr.ia_gid : inode.i_gid;
    if (!cred.in_group_p(gid) && !cred.capable(CAP_FSETID)) attr.ia_mode &= ~S_ISGID;
  }
}

/** Apply a validated change to the in-memory inode (fs/attr.c setattr_copy + truncate_setsize). */
export function simple_setattr_copy(inode: Inode, attr: Iattr): void {
  const v = attr.ia_valid;
  if (v & ATTR_UID) inode.i_uid = attr.ia_uid;
  if (v & ATTR_GID) inode.i_gid = attr.ia_gid;
  if (v & ATTR_MODE) inode.i_mode = (inode.i_mode & S_IFMT) | (attr.ia_mode & S_IALLUGO);
  if (v & ATTR_SIZE) inode.i_size = attr.ia_size;
  if (v & ATTR_MTIME) inode.i_mtime = attr.ia_time;
  if (v & ATTR_CTIME) inode.i_ctime = attr.ia_time;
}

/**
 * notify_change: validate, then hand the change to the inode's ->setattr
 * (or simple_setattr). The caller holds the inode's i_rwsem.
 */
export function* notify_change(cred: Cred, dentry: Dentry, attr: Iattr): Sim<void> {
  const inode = dentry.d_inode;
  if (!inode) throw errno('ENOENT');
  // the set-id kills become a mode change, before the checks see it (fs/attr.c)
  const mode = inode.i_mode;
  if (attr.ia_valid & ATTR_KILL_SUID && mode & S_ISUID) {
    attr.ia_valid |= ATTR_MODE;
    attr.ia_mode = mode & ~S_ISUID;
  }
  if (attr.ia_valid & ATTR_KILL_SGID && (mode & (S_ISGID | S_IXGRP)) === (S_ISGID | S_IXGRP)) {
    if (!(attr.ia_valid & ATTR_MODE)) {
      attr.ia_valid |= ATTR_MODE;
      attr.ia_mode = mode;
    }
    attr.ia_mode &= ~S_ISGID;
  }
  if (!(attr.ia_valid & ATTR_FORCE)) setattr_prepare(cred, inode, attr);
  const v = attr.ia_valid;
  attr.ia_time = inode.i_sb.s_kernel.engine.now;
  attr.ia_valid |= ATTR_CTIME;
  if (v & ATTR_SIZE) attr.ia_valid |= ATTR_MTIME;
  const setattr = inode.i_op.setattr;
  if (setattr) yield* setattr(dentry, attr);
  else yield* simple_setattr(dentry, attr);
}

/**
 * The set-id bits a write or truncate by `cred` must clear, as ATTR_KILL_*
 * bits (fs/inode.c should_remove_suid): S_ISUID always, S_ISGID when
 * group-executable; only on a regular file, never for CAP_FSETID. 0: none.
 */
export function should_remove_suid(cred: Cred, inode: Inode): number {
  const mode = inode.i_mode;
  let kill = 0;
  if (mode & S_ISUID) kill = ATTR_KILL_SUID;
  if (mode & S_ISGID && mode & S_IXGRP) kill |= ATTR_KILL_SGID;
  return kill !== 0 && S_ISREG(mode) && !cred.capable(CAP_FSETID) ? kill : 0;
}

/**
 * Clear the set-id bits before a write by `cred` changes the file
 * (fs/inode.c file_remove_privs). Linux calls it inside each file system's
 * write_iter under the inode lock; here the VFS calls it before ->write,
 * because a module's write slot is not given the caller's credentials. It
 * takes and drops i_rwsem (->write takes it again). Returns whether it
 * changed the mode.
 */
export function* file_remove_privs(cred: Cred, dentry: Dentry): Sim<boolean> {
  const inode = dentry.d_inode!;
  if (should_remove_suid(cred, inode) === 0) return false;
  yield* inode.i_rwsem.lock();
  try {
    // re-checked under the lock: another writer may have cleared them meanwhile
    const kill = should_remove_suid(cred, inode);
    if (kill === 0) return false;
    yield* notify_change(cred, dentry, newIattr(kill | ATTR_FORCE));
    return true;
  } finally {
    yield* inode.i_rwsem.unlock();
  }
}

/** Fill `stat` from the in-memory inode (fs/stat.c generic_fillattr). */
export function generic_fillattr(inode: Inode, stat: Stat): void {
  stat.dev = inode.i_sb.s_dev;
  stat.ino = inode.i_ino;
  stat.mode = inode.i_mode;
  stat.nlink = inode.i_nlink;
  stat.uid = inode.i_uid;
  stat.gid = inode.i_gid;
  stat.rdev = inode.i_rdev;
  stat.size = inode.i_size;
  stat.blksize = inode.i_sb.s_blocksize;
  stat.blocks = inode.i_blocks;
  stat.atime = inode.i_atime;
  stat.mtime = inode.i_mtime;
  stat.ctime = inode.i_ctime;
}

export function newStat(): Stat {
  return { dev: 0, ino: 0, mode: 0, nlink: 0, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 0, blocks: 0, atime: 0, mtime: 0, ctime: 0 };
}

/** stat an inode: its ->getattr slot, or generic_fillattr (fs/stat.c vfs_getattr). */
export function* vfs_getattr(dentry: Dentry | null, inode: Inode): Sim<Stat> {
  const st = newStat();
  const getattr = inode.i_op.getattr;
  if (getattr) yield* getattr(dentry, inode, st);
  else generic_fillattr(inode, st);
  return st;
}
