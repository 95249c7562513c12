/**
 * File syscalls: open, close, read, write, pread, pwrite, lseek, fsync,
 * ftruncate, fstat, getdents. Each is a generator run by a simulated thread
 * with the calling task as first argument; each returns its result or throws
 * ErrnoError { code, syscall, path }.
 */
import type { Sim } from '../../sim/effects.ts';
import { errno } from '../../uapi/errno.ts';
import { file_remove_privs, vfs_getattr } from '../attr.ts';
import type { OpenFile } from '../file.ts';
import { do_filp_open, do_truncate, fput } from '../open.ts';
import type { DirContext, LoffT } from '../ops.ts';
import type { Task } from '../task.ts';
import { FMODE_READ, FMODE_WRITE, NR_OPEN_DEFAULT, direntRecLen, type Dirent } from '../types.ts';
import { O_APPEND } from '../../uapi/fcntl.ts';
import { S_ISGID, S_ISUID, S_ISDIR, S_ISREG, type Stat } from '../../uapi/stat.ts';
import { fdCost, fdget, sysfail } from './common.ts';

/** open(2): returns the lowest free file descriptor. */
export function* open(t: Task, path: string, flags: number, mode = 0): Sim<number> {
  try {
    const fds = t.fds;
    let fd = fds.indexOf(null);
    if (fd < 0) fd = fds.length;
    if (fd >= NR_OPEN_DEFAULT) throw errno('EMFILE');
    const file = yield* do_filp_open(t, path, flags, mode);
    fds[fd] = file;
    yield t.kernel.costs.syscallEntry; // do_filp_open charged the walk and the file
    return fd;
  } catch (e) {
    throw sysfail(e, 'open', path);
  }
}

export function* close(t: Task, fd: number): Sim<void> {
  try {
    const f = fdget(t, fd);
    t.fds[fd] = null;
    yield* fput(f);
    yield t.kernel.costs.syscallEntry + t.kernel.costs.fdLookup;
  } catch (e) {
    throw sysfail(e, 'close');
  }
}

/** read(2) into `buf` (its length is the count); returns bytes read, 0 at EOF. */
export function* read(t: Task, fd: number, buf: Uint8Array): Sim<number> {
  try {
    const f = fdget(t, fd);
    if (!(f.f_mode & FMODE_READ)) throw errno('EBADF');
    const rd = f.f_op.read;
    if (!rd) throw errno('EINVAL');
    const ppos: LoffT = { pos: f.f_pos };
    const n = yield* rd(f, buf, ppos);
    f.f_pos = ppos.pos;
    yield fdCost(t, n);
    return n;
  } catch (e) {
    throw sysfail(e, 'read');
  }
}

/**
 * Before a write of `count` bytes at `pos` changes the file: clear its set-id
 * bits (file_remove_privs) if the caller lacks CAP_FSETID. As in Linux's
 * write_iter, only a write that will change something: not an empty one, not
 * one past s_maxbytes (EFBIG, generic_write_checks). The mode change costs
 * one metadata operation. Callers test for a set-id bit first (the hot path
 * makes no generator).
 */
function* removePrivs(t: Task, f: OpenFile, count: number, pos: number): Sim<void> {
  if (count === 0 || !S_ISREG(f.f_inode.i_mode) || pos + count > f.f_inode.i_sb.s_maxbytes) return;
  if (yield* file_remove_privs(t.cred, f.f_dentry)) yield t.kernel.costs.metaOp;
}

/** write(2); returns bytes written. */
export function* write(t: Task, fd: number, data: Uint8Array): Sim<number> {
  try {
    const f = fdget(t, fd);
    if (!(f.f_mode & FMODE_WRITE)) throw errno('EBADF');
    const wr = f.f_op.write;
    if (!wr) throw errno('EINVAL');
    const ppos: LoffT = { pos: f.f_pos };
    if (f.f_inode.i_mode & (S_ISUID | S_ISGID)) yield* removePrivs(t, f, data.length, f.f_flags & O_APPEND ? f.f_inode.i_size : ppos.pos);
    const n = yield* wr(f, data, ppos);
    f.f_pos = ppos.pos;
    yield fdCost(t, n);
    return n;
  } catch (e) {
    throw sysfail(e, 'write');
  }
}

/** pread(2): read at `pos` without moving the file position. */
export function* pread(t: Task, fd: number, buf: Uint8Array, pos: number): Sim<number> {
  try {
    const f = fdget(t, fd);
    if (!(f.f_mode & FMODE_READ)) throw errno('EBADF');
    if (pos < 0) throw errno('EINVAL');
    const rd = f.f_op.read;
    if (!rd) throw errno('EINVAL');
    const n = yield* rd(f, buf, { pos });
    yield fdCost(t, n);
    return n;
  } catch (e) {
    throw sysfail(e, 'pread');
  }
}

/** pwrite(2): write at `pos` without moving the file position (Linux: O_APPEND still appends). */
export function* pwrite(t: Task, fd: number, data: Uint8Array, pos: number): Sim<number> {
  try {
    const f = fdget(t, fd);
    if (!(f.f_mode & FMODE_WRITE)) throw errno('EBADF');
    if (pos < 0) throw errno('EINVAL');
    const wr = f.f_op.write;
    if (!wr) throw errno('EINVAL');
    if (f.f_inode.i_mode & (S_ISUID | S_ISGID)) yield* removePrivs(t, f, data.length, f.f_flags & O_APPEND ? f.f_inode.i_size : pos);
    const n = yield* wr(f, data, { pos });
    yield fdCost(t, n);
    return n;
  } catch (e) {
    throw sysfail(e, 'pwrite');
  }
}

/** lseek(2); returns the new position. No ->llseek: ESPIPE. */
export function* lseek(t: Task, fd: number, offset: number, whence: number): Sim<number> {
  try {
    const f = fdget(t, fd);
    const seek = f.f_op.llseek;
    if (!seek) throw errno('ESPIPE');
    const pos = yield* seek(f, offset, whence);
    yield fdCost(t, 0);
    return pos;
  } catch (e) {
    throw sysfail(e, 'lseek');
  }
}

export function* fsync(t: Task, fd: number): Sim<void> {
  try {
    const f = fdget(t, fd);
    const sync = f.f_op.fsync;
    if (!sync) throw errno('EINVAL');
    yield* sync(f, false);
    yield fdCost(t, 0);
  } catch (e) {
    throw sysfail(e, 'fsync');
  }
}

/** ftruncate(2): the file must be a regular file open for writing (else EINVAL). */
export function* ftruncate(t: Task, fd: number, length: number): Sim<void> {
  try {
    if (length < 0) throw errno('EINVAL');
    const f = fdget(t, fd);
    if (S_ISDIR(f.f_inode.i_mode)) throw errno('EISDIR');
    if (!S_ISREG(f.f_inode.i_mode) || !(f.f_mode & FMODE_WRITE)) throw errno('EINVAL');
    yield* do_truncate(t.cred, f.f_dentry, length);
    yield fdCost(t, 0);
  } catch (e) {
    throw sysfail(e, 'ftruncate');
  }
}

export function* fstat(t: Task, fd: number): Sim<Stat> {
  try {
    const f = fdget(t, fd);
    const st = yield* vfs_getattr(f.f_dentry, f.f_inode);
    yield fdCost(t, 0);
    return st;
  } catch (e) {
    throw sysfail(e, 'fstat');
  }
}

/**
 * getdents64(2): the next entries that fit in `count` bytes of
 * linux_dirent64 records; [] at the end. EINVAL if the first does not fit.
 */
export function* getdents(t: Task, fd: number, count = 32768): Sim<Dirent[]> {
  try {
    const f = fdget(t, fd);
    const iterate = f.f_op.iterate;
    if (!iterate) throw errno('ENOTDIR');
    const out: Dirent[] = [];
    let used = 0;
    let tooSmall = false;
    const ctx: DirContext = {
      pos: f.f_pos,
      actor(name, ino, type) {
        const rec = direntRecLen(name);
        if (used + rec > count) {
          if (out.length === 0) tooSmall = true;
          return false;
        }
        used += rec;
        out.push({ d_ino: ino, d_off: ctx.pos + 1, d_type: type, d_name: name });
        return true;
      },
    };
    // iterate_shared: readers of one directory share its i_rwsem
    const lock = f.f_inode.i_rwsem;
    yield* lock.down_read();
    try {
      yield* iterate(f, ctx);
    } finally {
      yield* lock.up_read();
    }
    if (tooSmall) throw errno('EINVAL');
    f.f_pos = ctx.pos;
    yield fdCost(t, used);
    return out;
  } catch (e) {
    throw sysfail(e, 'getdents');
  }
}
