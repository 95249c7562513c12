/**
 * Namespace syscalls: mkdir, rmdir, unlink, rename, link, symlink, readlink.
 *
 * Each resolves the parent of the last component, takes the parent's
 * i_rwsem, looks the last name up under it (lookup_hash) and calls the
 * vfs_* operation. Linux's choices where POSIX allows several: unlink of a
 * directory is EISDIR; mkdir/link/symlink of `.`/`..` is EEXIST; rmdir of
 * `.` is EINVAL and of `..` ENOTEMPTY; rename of `.`/`..` is EBUSY; a
 * trailing slash on a name being created (other than by mkdir) gives ENOENT.
 */
import type { Sim } from '../../sim/effects.ts';
import { errno } from '../../uapi/errno.ts';
import { is_subdir, type Dentry } from '../dentry.ts';
import { vfs_link, vfs_mkdir, vfs_rename, vfs_rmdir, vfs_symlink, vfs_unlink } from '../dirops.ts';
import type { Inode } from '../inode.ts';
import { LAST_DOT, LAST_DOTDOT, LAST_NORM, get_link, lookup_hash, path_lookup, path_parent, type NameiData } from '../namei.ts';
import type { Task } from '../task.ts';
import { PATH_MAX } from '../types.ts';
import { S_ISDIR, S_ISLNK } from '../../uapi/stat.ts';
import { sysfail, walkCost } from './common.ts';

/**
 * filename_create: lock the parent, find the (negative) dentry for the last
 * component, run `op`, unlock. EEXIST if the name exists or is `.`/`..`.
 */
function* filename_create(
  t: Task,
  path: string,
  isDir: boolean,
  op: (dir: Inode, d: Dentry, nd: NameiData) => Sim<void>,
): Sim<NameiData> {
  const nd = yield* path_parent(t, path);
  if (nd.last_type !== LAST_NORM) throw errno('EEXIST');
  const parent = nd.dentry;
  const dir = parent.d_inode!;
  yield* dir.i_rwsem.lock();
  try {
    const d = yield* lookup_hash(parent, nd.last);
    if (d.d_inode) throw errno('EEXIST');
    if (nd.trailing && !isDir) throw errno('ENOENT');
    yield* op(dir, d, nd);
  } finally {
    yield* dir.i_rwsem.unlock();
  }
  return nd;
}

export function* mkdir(t: Task, path: string, mode = 0o777): Sim<void> {
  try {
    const cred = t.cred;
    const m = mode & ~t.umask;
    const nd = yield* filename_create(t, path, true, (dir, d) => vfs_mkdir(cred, dir, d, m));
    yield walkCost(t, nd) + t.kernel.costs.metaOp;
  } catch (e) {
    throw sysfail(e, 'mkdir', path);
  }
}

export function* symlink(t: Task, target: string, path: string): Sim<void> {
  try {
    if (target.length === 0) throw errno('ENOENT');
    if (Buffer.byteLength(target) >= PATH_MAX) throw errno('ENAMETOOLONG');
    const cred = t.cred;
    const nd = yield* filename_create(t, path, false, (dir, d) => vfs_symlink(cred, dir, d, target));
    yield walkCost(t, nd) + t.kernel.costs.metaOp;
  } catch (e) {
    throw sysfail(e, 'symlink', path);
  }
}

/** link(2): a new name for `oldpath` (not followed if a symlink, as Linux). */
export function* link(t: Task, oldpath: string, newpath: string): Sim<void> {
  try {
    const old = yield* path_lookup(t, oldpath, 0);
    const cred = t.cred;
    const nd = yield* filename_create(t, newpath, false, function* (dir, d, nnd) {
      if (nnd.mnt !== old.mnt) throw errno('EXDEV');
      yield* vfs_link(cred, old.dentry, dir, d);
    });
    yield walkCost(t, nd) + walkCost(t, old) + t.kernel.costs.metaOp;
  } catch (e) {
    throw sysfail(e, 'link', oldpath);
  }
}

/** Lock the parent of `path` and find its last component for removal. */
function* remove_prepare(t: Task, path: string, syscall: 'unlink' | 'rmdir'): Sim<NameiData> {
  const nd = yield* path_parent(t, path);
  const type = nd.last_type;
  if (type !== LAST_NORM) {
    if (syscall === 'unlink') throw errno('EISDIR');
    if (type === LAST_DOT) throw errno('EINVAL');
    if (type === LAST_DOTDOT) throw errno('ENOTEMPTY');
    throw errno('EBUSY');
  }
  return nd;
}

export function* unlink(t: Task, path: string): Sim<void> {
  try {
    const nd = yield* remove_prepare(t, path, 'unlink');
    const parent = nd.dentry;
    const dir = parent.d_inode!;
    yield* dir.i_rwsem.lock();
    try {
      const d = yield* lookup_hash(parent, nd.last);
      if (nd.trailing) {
        if (!d.d_inode) throw errno('ENOENT');
        throw errno(S_ISDIR(d.d_inode.i_mode) ? 'EISDIR' : 'ENOTDIR');
      }
      yield* vfs_unlink(t.cred, dir, d);
    } finally {
      yield* dir.i_rwsem.unlock();
    }
    yield walkCost(t, nd) + t.kernel.costs.metaOp;
  } catch (e) {
    throw sysfail(e, 'unlink', path);
  }
}

export function* rmdir(t: Task, path: string): Sim<void> {
  try {
    const nd = yield* remove_prepare(t, path, 'rmdir');
    const parent = nd.dentry;
    const dir = parent.d_inode!;
    yield* dir.i_rwsem.lock();
    try {
      const d = yield* lookup_hash(parent, nd.last);
      yield* vfs_rmdir(t.cred, dir, d);
    } finally {
      yield* dir.i_rwsem.unlock();
    }
    yield walkCost(t, nd) + t.kernel.costs.metaOp;
  } catch (e) {
    throw sysfail(e, 'rmdir', path);
  }
}

/**
 * rename(2). Cross-directory renames take the superblock's rename mutex
 * before the two parents' i_rwsem, so two of them never lock the same pair
 * of directories in opposite orders (every other operation holds at most
 * one directory lock).
 */
export function* rename(t: Task, oldpath: string, newpath: string): Sim<void> {
  try {
    const ond = yield* path_parent(t, oldpath);
    const nnd = yield* path_parent(t, newpath);
    if (ond.mnt !== nnd.mnt) throw errno('EXDEV');
    if (ond.last_type !== LAST_NORM || nnd.last_type !== LAST_NORM) throw errno('EBUSY');
    const op = ond.dentry;
    const np = nnd.dentry;
    const odir = op.d_inode!;
    const ndir = np.d_inode!;
    // by inode, not dentry: two dentries for one directory (a corrupt image) must not lock it twice
    const cross = odir !== ndir;
    const rm = op.d_sb.s_vfs_rename_mutex;
    if (cross) yield* rm.lock();
    try {
      yield* odir.i_rwsem.lock();
      try {
        if (cross) yield* ndir.i_rwsem.lock();
        try {
          const od = yield* lookup_hash(op, ond.last);
          const source = od.d_inode;
          if (!source) throw errno('ENOENT');
          if (!S_ISDIR(source.i_mode) && (ond.trailing || nnd.trailing)) throw errno('ENOTDIR');
          // the source must not be an ancestor of the target
          if (is_subdir(np, od)) throw errno('EINVAL');
          const nd = yield* lookup_hash(np, nnd.last);
          // the target must not be an ancestor of the source
          if (nd.d_inode && is_subdir(op, nd)) throw errno('ENOTEMPTY');
          yield* vfs_rename(t.cred, odir, od, ndir, nd, 0);
        } finally {
          if (cross) yield* ndir.i_rwsem.unlock();
        }
      } finally {
        yield* odir.i_rwsem.unlock();
      }
    } finally {
      if (cross) yield* rm.unlock();
    }
    yield walkCost(t, ond) + walkCost(t, nnd) + t.kernel.costs.metaOp;
  } catch (e) {
    throw sysfail(e, 'rename', oldpath);
  }
}

/** readlink(2): the link body, cut to `bufsiz` bytes. */
export function* readlink(t: Task, path: string, bufsiz = PATH_MAX): Sim<string> {
  try {
    if (bufsiz <= 0) throw errno('EINVAL');
    const nd = yield* path_lookup(t, path, 0);
    const inode = nd.dentry.d_inode!;
    if (!S_ISLNK(inode.i_mode)) throw errno('EINVAL');
    let body = yield* get_link(nd.dentry, inode);
    if (Buffer.byteLength(body) > bufsiz) body = Buffer.from(body).subarray(0, bufsiz).toString();
    yield walkCost(t, nd);
    return body;
  } catch (e) {
    throw sysfail(e, 'readlink', path);
  }
}
