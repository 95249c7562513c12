/**
 * Library helpers for simple file systems (fs/libfs.c, mm/filemap.c,
 * fs/read_write.c): the `simple_*` / `generic_*` / `dcache_*` functions a
 * module puts straight into its tables, so a minimal file system (ramfs) is
 * mostly table entries. They keep directory contents in the dcache and file
 * data in the inode's page cache (`i_mapping`).
 *
 * Each helper has the signature of the slot it fills (see ops.ts) and runs
 * under the locks the slot's lock-table row gives.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import { simple_setattr_copy, generic_fillattr } from './attr.ts';
import { d_add, d_children, d_instantiate, type Dentry } from './dentry.ts';
import type { OpenFile } from './file.ts';
import { drop_nlink, ihold, inc_nlink, type Inode } from './inode.ts';
import type { DirContext, LoffT } from './ops.ts';
import { PAGE_SIZE } from './pagecache.ts';
import { ATTR_SIZE, DT_DIR, NAME_MAX, dt_type, type Iattr } from './types.ts';
import { O_APPEND, SEEK_CUR, SEEK_END, SEEK_SET } from '../uapi/fcntl.ts';
import { S_ISDIR, type Stat, type Statfs } from '../uapi/stat.ts';

/** RENAME_* flags (include/uapi/linux/fs.h). */
export const RENAME_NOREPLACE = 1;

function now(inode: Inode): number {
  return inode.i_sb.s_kernel.engine.now;
}

/** Byte length of a name (UTF-8), with an ASCII fast path. */
function nameBytes(name: string): number {
  return name.length <= NAME_MAX / 3 ? name.length : Buffer.byteLength(name);
}

// ---- inode operations --------------------------------------------------------

/** Everything that exists is in the dcache: a miss is a negative entry. */
export function* simple_lookup(_dir: Inode, dentry: Dentry): Sim<void> {
  if (nameBytes(dentry.d_name) > NAME_MAX) throw errno('ENAMETOOLONG');
  d_add(dentry, null);
}

export function* simple_link(oldDentry: Dentry, dir: Inode, dentry: Dentry): Sim<void> {
  const inode = oldDentry.d_inode!;
  inode.i_ctime = dir.i_ctime = dir.i_mtime = now(dir);
  inc_nlink(inode);
  ihold(inode);
  d_instantiate(dentry, inode);
}

/** Drop one link; the VFS then d_deletes the dentry (dropping its reference). */
export function* simple_unlink(dir: Inode, dentry: Dentry): Sim<void> {
  const inode = dentry.d_inode!;
  inode.i_ctime = dir.i_ctime = dir.i_mtime = now(dir);
  drop_nlink(inode);
}

/** True if the directory has no positive children. */
export function simple_empty(dentry: Dentry): boolean {
  for (const _ of d_children(dentry)) return false;
  return true;
}

export function* simple_rmdir(dir: Inode, dentry: Dentry): Sim<void> {
  if (!simple_empty(dentry)) throw errno('ENOTEMPTY');
  drop_nlink(dentry.d_inode!);
  yield* simple_unlink(dir, dentry);
  drop_nlink(dir);
}

/** Link-count side of a rename; the VFS moves the dentry (d_move). */
export function* simple_rename(oldDir: Inode, oldDentry: Dentry, newDir: Inode, newDentry: Dentry, flags: number): Sim<void> {
  if (flags & ~RENAME_NOREPLACE) throw errno('EINVAL');
  const inode = oldDentry.d_inode!;
  const theyAreDirs = S_ISDIR(inode.i_mode);
  if (!simple_empty(newDentry)) throw errno('ENOTEMPTY');
  const target = newDentry.d_inode;
  if (target) {
    yield* simple_unlink(newDir, newDentry);
    if (theyAreDirs) {
      drop_nlink(target);
      drop_nlink(oldDir);
    }
  } else if (theyAreDirs) {
    drop_nlink(oldDir);
    inc_nlink(newDir);
  }
  oldDir.i_ctime = oldDir.i_mtime = newDir.i_ctime = newDir.i_mtime = inode.i_ctime = now(oldDir);
}

/** Apply an attribute change to an in-memory inode; a size change truncates the pages. */
export function* simple_setattr(dentry: Dentry, attr: Iattr): Sim<void> {
  const inode = dentry.d_inode!;
  if (attr.ia_valid & ATTR_SIZE && attr.ia_size !== inode.i_size) truncate_setsize(inode, attr.ia_size);
  simple_setattr_copy(inode, attr);
}

/** Set i_size; shrinking drops and zeroes the pages past it (mm/truncate.c). */
export function truncate_setsize(inode: Inode, size: number): void {
  const old = inode.i_size;
  inode.i_size = size;
  if (size < old && inode.hasPages) inode.i_mapping.truncate(size);
  inode.i_blocks = inode.hasPages ? inode.i_mapping.nrpages * (PAGE_SIZE / 512) : 0;
}

export function* simple_getattr(_dentry: Dentry | null, inode: Inode, stat: Stat): Sim<void> {
  generic_fillattr(inode, stat);
}

/** The body kept in `i_link` (fs/libfs.c simple_get_link). */
export function* simple_get_link(_dentry: Dentry | null, inode: Inode): Sim<string> {
  if (inode.i_link === null) throw errno('EINVAL');
  return inode.i_link;
}

// ---- super operations ----------------------------------------------------------

export function* simple_statfs(dentry: Dentry): Sim<Statfs> {
  const sb = dentry.d_sb;
  return { f_type: sb.s_magic, f_bsize: PAGE_SIZE, f_blocks: 0, f_bfree: 0, f_bavail: 0, f_files: 0, f_ffree: 0, f_namelen: NAME_MAX };
}

// ---- file operations -------------------------------------------------------------

/** Read from the page cache (mm/filemap.c generic_file_read_iter). */
export function* generic_file_read(file: OpenFile, buf: Uint8Array, ppos: LoffT): Sim<number> {
  const inode = file.f_inode;
  const pos = ppos.pos;
  const size = inode.i_size;
  if (pos >= size || buf.length === 0) return 0;
  const n = Math.min(buf.length, size - pos);
  if (inode.hasPages) inode.i_mapping.read(pos, buf, n);
  else buf.fill(0, 0, n);
  ppos.pos = pos + n;
  inode.i_atime = now(inode);
  return n;
}

/**
 * The checks every ->write makes before it copies data (mm/filemap.c
 * generic_write_checks): O_APPEND moves the position to EOF, and a write
 * that would end past s_maxbytes is EFBIG. Returns the number of bytes to
 * write (0: nothing to do); `ppos.pos` is where they go. Caller holds the
 * inode's i_rwsem, so EOF cannot move before the write is done.
 */
export function generic_write_checks(file: OpenFile, ppos: LoffT, count: number): number {
  const inode = file.f_inode;
  if (file.f_flags & O_APPEND) ppos.pos = inode.i_size;
  if (count === 0) return 0;
  if (ppos.pos + count > inode.i_sb.s_maxbytes) throw errno('EFBIG');
  return count;
}

/**
 * Write to the page cache (mm/filemap.c generic_file_write_iter): under the
 * inode's i_rwsem, after generic_write_checks.
 */
export function* generic_file_write(file: OpenFile, data: Uint8Array, ppos: LoffT): Sim<number> {
  const inode = file.f_inode;
  const lock = inode.i_rwsem;
  yield* lock.lock();
  try {
    const len = generic_write_checks(file, ppos, data.length);
    if (len === 0) return 0;
    const pos = ppos.pos;
    inode.i_mapping.write(pos, data);
    ppos.pos = pos + len;
    if (pos + len > inode.i_size) inode.i_size = pos + len;
    inode.i_blocks = inode.i_mapping.nrpages * (PAGE_SIZE / 512);
    inode.i_mtime = inode.i_ctime = now(inode);
    return len;
  } finally {
    yield* lock.unlock();
  }
}

/** SEEK_SET / SEEK_CUR / SEEK_END within [0, s_maxbytes] (fs/read_write.c). */
export function* generic_file_llseek(file: OpenFile, offset: number, whence: number): Sim<number> {
  let pos: number;
  if (whence === SEEK_SET) pos = offset;
  else if (whence === SEEK_CUR) pos = file.f_pos + offset;
  else if (whence === SEEK_END) pos = file.f_inode.i_size + offset;
  else throw errno('EINVAL');
  if (!Number.isInteger(pos) || pos < 0 || pos > file.f_inode.i_sb.s_maxbytes) throw errno('EINVAL');
  file.f_pos = pos;
  return pos;
}

export function* noop_fsync(_file: OpenFile, _datasync: boolean): Sim<void> {}

/** ->read of directories: EISDIR (fs/libfs.c generic_read_dir). */
export function* generic_read_dir(_file: OpenFile, _buf: Uint8Array, _ppos: LoffT): Sim<number> {
  throw errno('EISDIR');
}

/**
 * List a dcache directory (fs/libfs.c dcache_readdir): position 0 is `.`,
 * 1 is `..`, and 2+k the k-th positive child in dcache order.
 */
export function* dcache_readdir(file: OpenFile, ctx: DirContext): Sim<void> {
  const dentry = file.f_dentry;
  if (ctx.pos === 0) {
    if (!ctx.actor('.', file.f_inode.i_ino, DT_DIR)) return;
    ctx.pos = 1;
  }
  if (ctx.pos === 1) {
    if (!ctx.actor('..', dentry.parent.d_inode?.i_ino ?? file.f_inode.i_ino, DT_DIR)) return;
    ctx.pos = 2;
  }
  let k = 0;
  for (const child of d_children(dentry)) {
    if (k++ < ctx.pos - 2) continue;
    const inode = child.d_inode!;
    if (!ctx.actor(child.d_name, inode.i_ino, dt_type(inode.i_mode))) return;
    ctx.pos++;
  }
}

/** lseek on a dcache directory: SEEK_SET and SEEK_CUR to a non-negative entry index. */
export function* dcache_dir_lseek(file: OpenFile, offset: number, whence: number): Sim<number> {
  let pos: number;
  if (whence === SEEK_SET) pos = offset;
  else if (whence === SEEK_CUR) pos = file.f_pos + offset;
  else throw errno('EINVAL');
  if (!Number.isInteger(pos) || pos < 0) throw errno('EINVAL');
  file.f_pos = pos;
  return pos;
}
