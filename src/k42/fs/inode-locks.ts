/**
 * Module Description: the K42 file service's per-inode locks, which replace
 * the per-mount lock that once serialised every engine call (and held it
 * across the disk). K42's file-system objects each had their own lock;
 * here each inode has a reader/writer semaphore, taken by the superblock
 * object around each engine call exactly where Linux's VFS takes i_rwsem
 * for the same operation on the Linux path (src/vfs/ops.ts), so the shared
 * ext2 engine, run with its own 2.6 locks (ext2/lock.ts), sees the callers
 * it was written for:
 *
 *   lookup, create, mkdir, symlink, unlink, rmdir   the directory, exclusive
 *   link                                            the directory, then the
 *                                                  inode linked, exclusive
 *   rename                                          the rename mutex when the
 *                                                  parents differ, then both
 *                                                  directories in inode order
 *   write, truncate, iget                           the inode, exclusive
 *   read, readlink, readdir                         the inode, shared
 *   fsync, statfs, sync                             none
 *
 * Lock order: rename mutex, then directories (ascending inode number), then
 * a non-directory; an engine call takes the superblock's gate after all of
 * them. Nobody holds one of these across a call to another object, so no
 * cycle through a mediator in BLOCK can form.
 *
 * The table is not part of any one version of the superblock object: a
 * hot-swap hands it to the new object (as Linux's i_rwsem lives in the VFS
 * inode, not in the module), so a lock held or waited for across the swap
 * keeps its meaning. Every wait is deactivated (deactivated-waits.ts).
 *
 * Contracts: may block; never from interrupt context; `release` undoes the
 * `Held` an acquire returned, in reverse order.
 */
import type { Sim } from '../../sim/effects.ts';
import type { Engine } from '../../sim/engine.ts';
import { Mutex } from '../../sim/locks.ts';
import { RwSemaphore } from '../../sim/rwsem.ts';
import type { ActiveThrdCnt } from '../active-thrd-cnt.ts';

/** One lock to take: an inode's semaphore and the side, or the rename mutex. */
export type LockStep = { ino: number; write: boolean } | 'rename';

/** What an acquire took, to release. */
export type Held = readonly (readonly [RwSemaphore, boolean] | Mutex)[];

export class InodeLocks {
  private readonly sems = new Map<number, RwSemaphore>();
  private readonly renameMutex: Mutex;
  /** Acquisitions that had to wait (statistics, tests). */
  waits = 0;

  constructor(
    private readonly engine: Engine,
    private readonly atc: ActiveThrdCnt,
    private readonly name: string,
  ) {
    this.renameMutex = new Mutex(engine, `${name} rename_mutex`);
  }

  /** The semaphore of inode `ino` (made on first use). */
  sem(ino: number): RwSemaphore {
    let s = this.sems.get(ino);
    if (!s) {
      s = new RwSemaphore(this.engine, `${this.name} i_rwsem ${ino}`);
      this.sems.set(ino, s);
    }
    return s;
  }

  /** Take `steps` in order (the caller orders them as the header says); waits deactivated. */
  *acquire(steps: readonly LockStep[]): Sim<Held> {
    const held: (readonly [RwSemaphore, boolean] | Mutex)[] = [];
    const taken = new Set<number>();
    try {
      for (const s of steps) {
        if (s === 'rename') {
          const m = this.renameMutex;
          if (!(yield* m.tryLock())) {
            this.waits++;
            yield* this.atc.deactivated(() => m.lock());
          }
          held.push(m);
          continue;
        }
        if (taken.has(s.ino)) continue; // the same inode twice: held already
        taken.add(s.ino);
        const sem = this.sem(s.ino);
        const got = s.write ? yield* sem.down_write_trylock() : yield* sem.down_read_trylock();
        if (!got) {
          this.waits++;
          yield* this.atc.deactivated(() => (s.write ? sem.down_write() : sem.down_read()));
        }
        held.push([sem, s.write] as const);
      }
    } catch (e) {
      yield* this.release(held);
      throw e;
    }
    return held;
  }

  *release(held: Held): Sim<void> {
    for (let i = held.length - 1; i >= 0; i--) {
      const h = held[i]!;
      if (h instanceof Mutex) yield* h.unlock();
      else if (h[1]) yield* h[0].up_write();
      else yield* h[0].up_read();
    }
  }

  /** The steps of a rename from directory `a` to directory `b`. */
  static renameSteps(a: number, b: number): LockStep[] {
    if (a === b) return [{ ino: a, write: true }];
    const [lo, hi] = a < b ? [a, b] : [b, a];
    return ['rename', { ino: lo, write: true }, { ino: hi, write: true }];
  }
}
