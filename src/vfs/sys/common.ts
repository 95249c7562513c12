/**
 * Shared pieces of the syscall layer: attaching syscall and path to an
 * errno error (the only place context is added), fd lookup, and the
 * modelled cost of a call.
 */
import { ErrnoError, errno } from '../../uapi/errno.ts';
import type { OpenFile } from '../file.ts';
import type { NameiData } from '../namei.ts';
import type { Task } from '../task.ts';

/** Attach syscall/path to an ErrnoError (other errors pass unchanged); returns it to rethrow. */
export function sysfail(e: unknown, syscall: string, path?: string): unknown {
  if (e instanceof ErrnoError) e.withContext(syscall, path);
  return e;
}

/** The open file behind `fd`, or EBADF. */
export function fdget(t: Task, fd: number): OpenFile {
  const f = t.fds[fd];
  if (!f) throw errno('EBADF');
  return f;
}

/** Cycles of a path-based call: entry plus the components walked. */
export function walkCost(t: Task, nd: NameiData): number {
  const c = t.kernel.costs;
  return c.syscallEntry + nd.steps * c.pathComponent;
}

/** Cycles of an fd-based call moving `bytes` bytes. */
export function fdCost(t: Task, bytes: number): number {
  const c = t.kernel.costs;
  return c.syscallEntry + c.fdLookup + Math.ceil(bytes / c.copyBytesPerCycle);
}
