/**
 * Test helpers that read a tree back through the syscalls (listDir, readAll);
 * operations run through src/workload/linux-ops.ts (execOp), whose results compare
 * one to one with the reference model.

 */
import type { Sim } from '../../../src/sim/index.ts';
import { sys, type Task } from '../../../src/vfs/index.ts';
import { O_DIRECTORY, O_RDONLY } from '../../../src/uapi/fcntl.ts';
import { runFsOp } from '../../../src/workload/linux-ops.ts';

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

/** Run one operation through the syscalls, as src/workload/linux-ops.ts does for every driver. */
export const execOp = runFsOp;
