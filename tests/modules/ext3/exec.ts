/**
 * Runs fsstress operations (src/workload/fsstress.ts) through the syscalls,
 * mapping each to the calls src/workload/model.ts documents, and reports
 * the outcome in the model's terms (value or errno), so results compare
 * one to one with `PosixModel`.
 */
import { ErrnoError, type Sim } from '../../../src/sim/index.ts';
import { O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_WRONLY, S_ISDIR, S_ISREG, sys, type Task } from '../../../src/vfs/index.ts';
import { patternBytes, type FsOp, type OpResult } from '../../../src/workload/fsstress.ts';
import { digest } from '../../../src/workload/model.ts';

function* withFd<T>(t: Task, path: string, flags: number, body: (fd: number) => Sim<T>, mode = 0): Sim<T> {
  const fd = yield* sys.open(t, path, flags, mode);
  try {
    return yield* body(fd);
  } finally {
    yield* sys.close(t, fd);
  }
}

/** All entries of a directory (getdents until empty), without `.` and `..`. */
export function* listDir(t: Task, path: string): Sim<string[]> {
  return yield* withFd(t, path, O_RDONLY | O_DIRECTORY, function* (fd) {
    const names: string[] = [];
    for (;;) {
      const batch = yield* sys.getdents(t, fd, 4096);
      if (batch.length === 0) break;
      for (const e of batch) if (e.d_name !== '.' && e.d_name !== '..') names.push(e.d_name);
    }
    return names;
  });
}

/** The whole file, read in 64 KiB calls. */
export function* readAll(t: Task, path: string): Sim<Uint8Array> {
  return yield* withFd(t, path, O_RDONLY, function* (fd) {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buf = new Uint8Array(65536);
      const n = yield* sys.read(t, fd, buf);
      if (n === 0) break;
      parts.push(buf.subarray(0, n));
      total += n;
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  });
}

function* value(t: Task, op: FsOp): Sim<string | number | null> {
  switch (op.kind) {
    case 'create':
      yield* withFd(t, op.path, O_CREAT | O_EXCL | O_WRONLY, function* () {}, op.mode);
      return null;
    case 'mkdir':
      yield* sys.mkdir(t, op.path, op.mode);
      return null;
    case 'write':
      return yield* withFd(t, op.path, O_WRONLY, (fd) => sys.pwrite(t, fd, patternBytes(op.seed, op.length), op.offset));
    case 'read':
      return yield* withFd(t, op.path, O_RDONLY, function* (fd) {
        const buf = new Uint8Array(op.length);
        const n = yield* sys.pread(t, fd, buf, op.offset);
        return digest(buf.subarray(0, n));
      });
    case 'truncate':
      yield* sys.truncate(t, op.path, op.size);
      return null;
    case 'link':
      yield* sys.link(t, op.from, op.to);
      return null;
    case 'symlink':
      yield* sys.symlink(t, op.target, op.path);
      return null;
    case 'rename':
      yield* sys.rename(t, op.from, op.to);
      return null;
    case 'unlink':
      yield* sys.unlink(t, op.path);
      return null;
    case 'rmdir':
      yield* sys.rmdir(t, op.path);
      return null;
    case 'stat': {
      const st = yield* sys.stat(t, op.path);
      if (S_ISREG(st.mode)) return `file ${st.size} ${st.nlink}`;
      if (S_ISDIR(st.mode)) return `dir - ${st.nlink}`;
      return `other ${st.mode}`;
    }
    case 'readdir':
      return (yield* listDir(t, op.path)).sort().join(' ');
    case 'fsync':
      yield* withFd(t, op.path, O_RDONLY, (fd) => sys.fsync(t, fd));
      return null;
  }
}

/** Run one operation; an ErrnoError becomes `{ ok: false, errno }`. */
export function* execOp(t: Task, op: FsOp): Sim<OpResult> {
  try {
    return { ok: true, value: yield* value(t, op) };
  } catch (e) {
    if (e instanceof ErrnoError) return { ok: false, errno: e.code };
    throw e;
  }
}
