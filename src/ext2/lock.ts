/**
 * One lock per mounted file system that serialises the engine's operations.
 *
 * The engine's operations read and modify shared structures (bitmaps, group
 * counts, the inode cache, the running journal transaction) and wait for the
 * disk in the middle, so two simulated threads inside it at once could both
 * take the same free block. Like ext2 under the big kernel lock (and
 * lock_super for allocation), every public operation runs under one
 * per-mount lock. Single-threaded callers (tests driving the engine without
 * a simulation) pass no lock. Re-entry by the holder (unmount calling sync)
 * does not take it again.
 */
import type { Sim } from '../sim/effects.ts';
import type { Engine } from '../sim/engine.ts';
import { Mutex } from '../sim/locks.ts';

export interface Ext2OpLock {
  acquire(): Sim<void>;
  release(): Sim<void>;
  /** The calling thread already holds it. */
  heldByCaller(): boolean;
  /** Someone holds it now (for best-effort work that must not wait). */
  busy(): boolean;
  /** Acquire, waiting in line at most `cycles`; false if it timed out. */
  acquireWithin(cycles: number): Sim<boolean>;
}

/** An op lock made of a sleeping lock of the simulation. */
export function mutexOpLock(engine: Engine, name: string): Ext2OpLock {
  const m = new Mutex(engine, name);
  return {
    acquire: () => m.lock(),
    release: () => m.unlock(),
    heldByCaller: () => m.holder !== null && m.holder === engine.current,
    busy: () => m.locked,
    acquireWithin: (cycles) => m.lockWithin(cycles),
  };
}

/** The engine operations that run under the lock. */
export const SERIALISED_OPS = [
  'iget', 'lookup', 'create', 'mkdir', 'unlink', 'rmdir', 'rename', 'link', 'symlink', 'readlink',
  'read', 'write', 'truncate', 'setattr', 'readdir', 'fsync', 'drop', 'sync', 'syncCheckpoint', 'unmount', 'writeInode',
] as const;

type GenFn = (...args: unknown[]) => Sim<unknown>;

/** Replace each of `ops` on `target` by a version that runs under `lock`. */
export function serialise(target: object, lock: Ext2OpLock, ops: readonly string[] = SERIALISED_OPS): void {
  const rec = target as Record<string, unknown>;
  for (const name of ops) {
    const fn = rec[name];
    if (typeof fn !== 'function') throw new Error(`serialise: no operation ${name}`);
    const inner = (fn as GenFn).bind(target);
    rec[name] = function* serialised(...args: unknown[]): Sim<unknown> {
      if (lock.heldByCaller()) return yield* inner(...args);
      yield* lock.acquire();
      try {
        return yield* inner(...args);
      } finally {
        yield* lock.release();
      }
    };
  }
}
