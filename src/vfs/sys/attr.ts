/**
 * Attribute and file-system syscalls: stat, lstat, truncate, chmod, chown,
 * lchown, statfs, chdir, sync.
 */
import type { Sim } from '../../sim/effects.ts';
import { errno } from '../../uapi/errno.ts';
import { generic_fillattr, newIattr, newStat, notify_change, vfs_getattr } from '../attr.ts';
import type { Dentry } from '../dentry.ts';
import type { Inode } from '../inode.ts';
import { LOOKUP_DIRECTORY, LOOKUP_FOLLOW, path_lookup, path_lookup_fast, path_lookup_slow } from '../namei.ts';
import { iterate_supers } from '../namespace.ts';
import { do_truncate } from '../open.ts';
import { inode_permission } from '../permission.ts';
import { sync_filesystem } from '../super.ts';
import type { Task } from '../task.ts';
import { ATTR_GID, ATTR_KILL_SGID, ATTR_KILL_SUID, ATTR_MODE, ATTR_UID, MAY_EXEC, MAY_WRITE } from '../types.ts';
import { S_IALLUGO, S_ISDIR, S_ISREG, type Stat, type Statfs } from '../../uapi/stat.ts';
import { sysfail, walkCost } from './common.ts';

/** stat(2): follows a final symlink. The hot path: no generator below it on a dcache hit. */
export function* stat(t: Task, path: string): Sim<Stat> {
  try {
    const nd = path_lookup_fast(t, path, LOOKUP_FOLLOW) ?? (yield* path_lookup_slow(t, path, LOOKUP_FOLLOW));
    const inode = nd.dentry.d_inode!;
    const st = inode.i_op.getattr ? yield* vfs_getattr(nd.dentry, inode) : fillattr(inode);
    yield walkCost(t, nd);
    return st;
  } catch (e) {
    throw sysfail(e, 'stat', path);
  }
}

/** lstat(2): a final symlink itself. */
export function* lstat(t: Task, path: string): Sim<Stat> {
  try {
    const nd = path_lookup_fast(t, path, 0) ?? (yield* path_lookup_slow(t, path, 0));
    const inode = nd.dentry.d_inode!;
    const st = inode.i_op.getattr ? yield* vfs_getattr(nd.dentry, inode) : fillattr(inode);
    yield walkCost(t, nd);
    return st;
  } catch (e) {
    throw sysfail(e, 'lstat', path);
  }
}

/** vfs_getattr's fallback without a generator (generic_fillattr into a new Stat). */
function fillattr(inode: Inode): Stat {
  const st = newStat();
  generic_fillattr(inode, st);
  return st;
}

/** truncate(2): EINVAL for a negative length, EISDIR for a directory, EACCES without write permission. */
export function* truncate(t: Task, path: string, length: number): Sim<void> {
  try {
    if (length < 0) throw errno('EINVAL');
    const nd = yield* path_lookup(t, path, LOOKUP_FOLLOW);
    const inode = nd.dentry.d_inode!;
    if (S_ISDIR(inode.i_mode)) throw errno('EISDIR');
    if (!S_ISREG(inode.i_mode)) throw errno('EINVAL');
    yield* inode_permission(t.cred, inode, MAY_WRITE);
    yield* do_truncate(t.cred, nd.dentry, length);
    yield walkCost(t, nd) + t.kernel.costs.metaOp;
  } catch (e) {
    throw sysfail(e, 'truncate', path);
  }
}

function* setattr_locked(t: Task, dentry: Dentry, valid: number, mode: number, uid: number, gid: number): Sim<void> {
  const inode = dentry.d_inode!;
  const attr = newIattr(valid);
  attr.ia_mode = mode;
  attr.ia_uid = uid;
  attr.ia_gid = gid;
  yield* inode.i_rwsem.lock();
  try {
    yield* notify_change(t.cred, dentry, attr);
  } finally {
    yield* inode.i_rwsem.unlock();
  }
}

/** chmod(2): follows symlinks; only the owner or CAP_FOWNER (else EPERM). */
export function* chmod(t: Task, path: string, mode: number): Sim<void> {
  try {
    const nd = yield* path_lookup(t, path, LOOKUP_FOLLOW);
    yield* setattr_locked(t, nd.dentry, ATTR_MODE, mode & S_IALLUGO, -1, -1);
    yield walkCost(t, nd) + t.kernel.costs.metaOp;
  } catch (e) {
    throw sysfail(e, 'chmod', path);
  }
}

/** An id argument of chown: null for "leave unchanged", (uid_t)-1 as -1 or 2^32-1; EINVAL if not a 32-bit id. */
function chownId(id: number): number | null {
  if (!Number.isInteger(id) || id < -1 || id > 0xffffffff) throw errno('EINVAL');
  return id === -1 || id === 0xffffffff ? null : id;
}

function* chown_common(t: Task, path: string, uid: number, gid: number, follow: boolean, name: string): Sim<void> {
  try {
    const u = chownId(uid);
    const g = chownId(gid);
    const nd = yield* path_lookup(t, path, follow ? LOOKUP_FOLLOW : 0);
    let valid = 0;
    if (u !== null) valid |= ATTR_UID;
    if (g !== null) valid |= ATTR_GID;
    // fs/open.c chown_common: anything but a directory loses its set-id bits,
    // even when both ids are -1 (notify_change decides which bits go)
    if (!S_ISDIR(nd.dentry.d_inode!.i_mode)) valid |= ATTR_KILL_SUID | ATTR_KILL_SGID;
    yield* setattr_locked(t, nd.dentry, valid, 0, u ?? -1, g ?? -1);
    yield walkCost(t, nd) + t.kernel.costs.metaOp;
  } catch (e) {
    throw sysfail(e, name, path);
  }
}

/** chown(2): -1 ((uid_t)-1, also as 2^32-1) leaves uid or gid unchanged. */
export function chown(t: Task, path: string, uid: number, gid: number): Sim<void> {
  return chown_common(t, path, uid, gid, true, 'chown');
}

export function lchown(t: Task, path: string, uid: number, gid: number): Sim<void> {
  return chown_common(t, path, uid, gid, false, 'lchown');
}

/** statfs(2): the file system's ->statfs (ENOSYS without one). */
export function* statfs(t: Task, path: string): Sim<Statfs> {
  try {
    const nd = yield* path_lookup(t, path, LOOKUP_FOLLOW);
    const sf = nd.dentry.d_sb.s_op.statfs;
    if (!sf) throw errno('ENOSYS');
    const r = yield* sf(nd.dentry);
    yield walkCost(t, nd);
    return r;
  } catch (e) {
    throw sysfail(e, 'statfs', path);
  }
}

/** chdir(2). */
export function* chdir(t: Task, path: string): Sim<void> {
  try {
    const nd = yield* path_lookup(t, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY);
    yield* inode_permission(t.cred, nd.dentry.d_inode!, MAY_EXEC);
    t.set_fs_pwd(nd.mnt, nd.dentry);
    yield walkCost(t, nd);
  } catch (e) {
    throw sysfail(e, 'chdir', path);
  }
}

/** sync(2): write back every mounted file system. */
export function* sync(t: Task): Sim<void> {
  try {
    for (const sb of iterate_supers(t.kernel)) yield* sync_filesystem(sb);
    yield t.kernel.costs.syscallEntry;
  } catch (e) {
    throw sysfail(e, 'sync');
  }
}
