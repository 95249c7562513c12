/**
 * Running one fsstress operation (src/workload) through the syscalls of a
 * task, exactly as the reference model's header says each operation maps to
 * syscalls, and reporting the outcome in the model's terms. Used by tests,
 * demos, benches and `modswap fuzz` to drive the Linux path.
 */
import type { Sim } from '../sim/effects.ts';
import { opResult, patternBytes, type FsOp, type OpResult } from './fsstress.ts';
import { digest } from './model.ts';
import * as sys from '../vfs/syscalls.ts';
import type { Task } from '../vfs/task.ts';
import { O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_WRONLY } from '../uapi/fcntl.ts';
import { S_IFMT, S_IFDIR, S_IFLNK, S_IFREG } from '../uapi/stat.ts';

export function runFsOp(t: Task, op: FsOp): Sim<OpResult> {
  return opResult(() => exec(t, op));
}

/** Open, run `body` on the fd, and close even if `body` fails. */
function* withFd<T>(t: Task, path: string, flags: number, mode: number, body: (fd: number) => Sim<T>): Sim<T> {
  const fd = yield* sys.open(t, path, flags, mode);
  try {
    return yield* body(fd);
  } finally {
    yield* sys.close(t, fd);
  }
}

function* exec(t: Task, op: FsOp): Sim<string | number | null> {
  switch (op.kind) {
    case 'create':
      yield* withFd(t, op.path, O_CREAT | O_EXCL | O_WRONLY, op.mode, function* () {});
      return null;
    case 'mkdir':
      yield* sys.mkdir(t, op.path, op.mode);
      return null;
    case 'write':
      return yield* withFd(t, op.path, O_WRONLY, 0, (fd) => sys.pwrite(t, fd, patternBytes(op.seed, op.length), op.offset));
    case 'read':
      return yield* withFd(t, op.path, O_RDONLY, 0, function* (fd) {
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
      const type = st.mode & S_IFMT;
      if (type === S_IFREG) return `file ${st.size} ${st.nlink}`;
      if (type === S_IFDIR) return `dir - ${st.nlink}`;
      return `other ${st.size} ${st.nlink}`;
    }
    case 'readdir':
      return yield* withFd(t, op.path, O_RDONLY | O_DIRECTORY, 0, function* (fd) {
        const names: string[] = [];
        for (;;) {
          const batch = yield* sys.getdents(t, fd);
          if (batch.length === 0) break;
          for (const d of batch) if (d.d_name !== '.' && d.d_name !== '..') names.push(d.d_name);
        }
        return names.sort().join(' ');
      });
    case 'fsync':
      yield* withFd(t, op.path, O_RDONLY, 0, (fd) => sys.fsync(t, fd));
      return null;
  }
}

/**
 * The tree under `root` through syscalls, in the format of the K42 path's
 * `walkTree` (src/workload/k42-ops.ts): sorted lines of path, type, links,
 * size and content digest, or symlink target. Directories on another device
 * (procfs on /proc) are not descended into or listed.
 */
export function* walkTreeSyscalls(t: Task, root = '/'): Sim<string[]> {
  const rootDev = (yield* sys.stat(t, root)).dev;
  const out: string[] = [];
  const list = function* (path: string): Sim<string[]> {
    const fd = yield* sys.open(t, path, O_RDONLY | O_DIRECTORY);
    try {
      const names: string[] = [];
      for (;;) {
        const batch = yield* sys.getdents(t, fd);
        if (batch.length === 0) break;
        for (const d of batch) if (d.d_name !== '.' && d.d_name !== '..') names.push(d.d_name);
      }
      return names.sort();
    } finally {
      yield* sys.close(t, fd);
    }
  };
  const visit = function* (path: string): Sim<void> {
    for (const name of yield* list(path)) {
      const p = path === '/' ? `/${name}` : `${path}/${name}`;
      const st = yield* sys.lstat(t, p);
      const type = st.mode & S_IFMT;
      if (type === S_IFDIR) {
        if (st.dev !== rootDev) continue;
        out.push(`${p} dir ${st.nlink}`);
        yield* visit(p);
      } else if (type === S_IFLNK) {
        out.push(`${p} symlink -> ${yield* sys.readlink(t, p)}`);
      } else {
        const fd = yield* sys.open(t, p, O_RDONLY);
        try {
          const buf = new Uint8Array(st.size);
          const n = st.size > 0 ? yield* sys.pread(t, fd, buf, 0) : 0;
          out.push(`${p} file ${st.size} ${st.nlink} ${digest(buf.subarray(0, n))}`);
        } finally {
          yield* sys.close(t, fd);
        }
      }
    }
  };
  yield* visit(root);
  return out;
}
