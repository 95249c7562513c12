/**
 * Opening and closing files (fs/namei.c path_openat/do_open, fs/open.c
 * vfs_open, fs/file_table.c __fput).
 *
 * Order of checks, as Linux: with O_CREAT the last component is looked up
 * under the parent's i_rwsem and created if missing (mode & ~umask; an
 * existing entry with O_EXCL gives EEXIST, even a symlink, which is not
 * followed); a trailing slash with O_CREAT gives EISDIR. Without O_CREAT the
 * last component is followed unless O_NOFOLLOW. Then: O_CREAT on a directory
 * → EISDIR, O_DIRECTORY on a non-directory → ENOTDIR, may_open (symlink →
 * ELOOP, write or O_TRUNC on a directory → EISDIR, permission bits), no
 * permission check on a file this call created, and O_TRUNC truncates.
 *
 * An open file pins its inode (i_count), its mount (mnt_count) and the
 * module of its f_op (f_owner); the last fput releases all three after the
 * f_op->release slot.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import { ATTR_FORCE, ATTR_SIZE } from './types.ts';
import { newIattr, notify_change, should_remove_suid } from './attr.ts';
import { vfs_create } from './dirops.ts';
import { OpenFile } from './file.ts';
import { ihold, iput, type Inode } from './inode.ts';
import {
  LAST_NORM,
  LOOKUP_FOLLOW,
  follow_mount,
  lookup_hash,
  path_lookup_fast,
  path_lookup_slow,
  path_parent,
  pick_link,
  walk_last,
  type NameiData,
} from './namei.ts';
import { inode_permission } from './permission.ts';
import type { Task } from './task.ts';
import type { Cred } from './task.ts';
import type { Dentry } from './dentry.ts';
import { FMODE_READ, FMODE_WRITE, MAY_OPEN, MAY_READ, MAY_WRITE } from './types.ts';
import { O_ACCMODE, O_CREAT, O_DIRECTORY, O_EXCL, O_NOCTTY, O_NOFOLLOW, O_RDONLY, O_TRUNC, O_WRONLY } from '../uapi/fcntl.ts';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../uapi/stat.ts';

/** Result of resolving the last component for open. */
interface OpenState {
  created: boolean;
}

function acc_mode(flags: number): number {
  const acc = flags & O_ACCMODE;
  let m = acc === O_RDONLY ? MAY_READ : acc === O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE;
  if (flags & O_TRUNC) m |= MAY_WRITE;
  return m;
}

/** Resolve (and with O_CREAT maybe create) the last component; nd ends on it. */
function* open_last_lookups(t: Task, nd: NameiData, flags: number, mode: number, st: OpenState): Sim<void> {
  if (!(flags & O_CREAT)) {
    yield* walk_last(nd, !(flags & O_NOFOLLOW));
    return;
  }
  if (nd.last_type !== LAST_NORM) {
    yield* walk_last(nd, true);
    return; // do_open then gives EISDIR
  }
  if (nd.trailing) throw errno('EISDIR');
  const parent = nd.dentry;
  const dir = parent.d_inode!;
  let d: Dentry;
  yield* dir.i_rwsem.lock();
  try {
    d = yield* lookup_hash(parent, nd.last);
    if (!d.d_inode) {
      yield* vfs_create(t.cred, dir, d, mode & ~t.umask, (flags & O_EXCL) !== 0);
      st.created = true;
      nd.dentry = d;
      return;
    }
  } finally {
    yield* dir.i_rwsem.unlock();
  }
  if (flags & O_EXCL) throw errno('EEXIST');
  const inode = d.d_inode!;
  if (d.d_mounted > 0) {
    follow_mount(nd, d);
    return;
  }
  if ((inode.i_mode & S_IFMT) === S_IFLNK && !(flags & O_NOFOLLOW)) {
    // a trailing symlink: walk its body, then create-or-open its last component
    yield* pick_link(nd, d, inode);
    yield* open_last_lookups(t, nd, flags, mode, st);
    return;
  }
  nd.dentry = d;
}

/** may_open: type rules, then the permission bits for the access mode. */
function* may_open(cred: Cred, inode: Inode, acc: number): Sim<void> {
  switch (inode.i_mode & S_IFMT) {
    case S_IFLNK:
      throw errno('ELOOP');
    case S_IFDIR:
      if (acc & MAY_WRITE) throw errno('EISDIR');
      break;
  }
  if (acc) yield* inode_permission(cred, inode, MAY_OPEN | acc);
}

/** Open `path` and return a new open file description (fs/namei.c do_filp_open). */
export function* do_filp_open(t: Task, path: string, flags: number, mode: number): Sim<OpenFile> {
  const st: OpenState = { created: false };
  let nd: NameiData;
  if (!(flags & O_CREAT)) {
    // plain open: the whole walk, fast path first (as path_lookup)
    const follow = flags & O_NOFOLLOW ? 0 : LOOKUP_FOLLOW;
    nd = path_lookup_fast(t, path, follow) ?? (yield* path_lookup_slow(t, path, follow));
  } else {
    nd = yield* path_parent(t, path);
    yield* open_last_lookups(t, nd, flags, mode, st);
  }
  const dentry = nd.dentry;
  const inode = dentry.d_inode;
  if (!inode) throw errno('ENOENT');
  const type = inode.i_mode & S_IFMT;
  if (flags & O_CREAT && type === S_IFDIR) throw errno('EISDIR');
  if (flags & O_DIRECTORY && type !== S_IFDIR) throw errno('ENOTDIR');
  let acc = 0;
  let truncate = false;
  if (!st.created) {
    acc = acc_mode(flags);
    truncate = type === S_IFREG && (flags & O_TRUNC) !== 0;
  }
  yield* may_open(t.cred, inode, acc);
  const file = yield* vfs_open(nd, inode, flags);
  const c = t.kernel.costs;
  yield nd.steps * c.pathComponent + c.fileAlloc;
  if (truncate) {
    try {
      yield* do_truncate(t.cred, dentry, 0);
    } catch (e) {
      yield* fput(file);
      throw e;
    }
  }
  return file;
}

/** Build the open file, pin inode, mount and module, and call f_op->open (fs/open.c do_dentry_open). */
export function* vfs_open(nd: NameiData, inode: Inode, flags: number): Sim<OpenFile> {
  const fop = inode.i_fop;
  const owner = fop.owner ?? null;
  if (owner && !owner.try_module_get()) throw errno('ENODEV');
  const acc = flags & O_ACCMODE;
  const fmode = acc === O_RDONLY ? FMODE_READ : acc === O_WRONLY ? FMODE_WRITE : FMODE_READ | FMODE_WRITE;
  const file = new OpenFile(fop, flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC), fmode, inode, nd.mnt, nd.dentry, owner);
  ihold(inode);
  nd.mnt.mnt_count++;
  inode.i_sb.s_files.add(file);
  const open = fop.open;
  if (open) {
    try {
      yield* open(inode, file);
    } catch (e) {
      inode.i_sb.s_files.delete(file);
      nd.mnt.mnt_count--;
      owner?.module_put();
      yield* iput(inode);
      throw e;
    }
  }
  return file;
}

/** Drop a reference to an open file; the last runs f_op->release and unpins (fs/file_table.c __fput). */
export function* fput(file: OpenFile): Sim<void> {
  if (--file.f_count > 0) return;
  const release = file.f_op.release;
  try {
    if (release) yield* release(file.f_inode, file);
  } finally {
    file.f_inode.i_sb.s_files.delete(file);
    file.f_mnt.mnt_count--;
    const owner = file.f_owner;
    file.f_owner = null;
    owner?.module_put();
    yield* iput(file.f_inode);
  }
}

/**
 * Truncate through notify_change under the inode's i_rwsem (fs/open.c
 * do_truncate); a caller without CAP_FSETID also clears the set-id bits
 * should_remove_suid names, in the same change (ATTR_FORCE).
 */
export function* do_truncate(cred: Cred, dentry: Dentry, length: number): Sim<void> {
  const inode = dentry.d_inode!;
  if (length < 0) throw errno('EINVAL');
  if (length > inode.i_sb.s_maxbytes) throw errno('EFBIG');
  const kill = should_remove_suid(cred, inode);
  const attr = newIattr(ATTR_SIZE | (kill !== 0 ? kill | ATTR_FORCE : 0));
  attr.ia_size = length;
  const lock = inode.i_rwsem;
  yield* lock.lock();
  try {
    yield* notify_change(cred, dentry, attr);
  } finally {
    yield* lock.unlock();
  }
}

