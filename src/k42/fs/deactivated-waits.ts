/**
 * Module Description: waits of the K42 file service that leave the
 * generation count. K42 counts a thread as active from activation to
 * deactivation, and an object's hot-swap waits (FORWARD) until every thread
 * active on each VP when it began has deactivated. A request that stays
 * active while it waits for the disk therefore makes every swap on its VP
 * wait for that disk, whatever object the swap is for. K42 does not let
 * that happen: a thread that will block for long deactivates first
 * (`DeactivateSelf`) and reactivates when it resumes (`ActivateSelf`), and
 * I/O is served with continuations rather than by a request sitting in the
 * object that asked for it.
 *
 * Here every long wait of the shared ext2 engine, when a K42 request makes
 * it, is done deactivated:
 *   - the disk (`DeactivatingDevice`: read, write, flush);
 *   - a block another thread is reading into the buffer cache (`k42IoWait`);
 *   - the engine's sleeping locks and wait queues (`k42Locking`: a per-group
 *     bitmap lock, a truncate mutex, a journal handle waiting for a commit,
 *     fsync waiting for kjournald); a lock taken without waiting costs one
 *     try, and nothing leaves the count.
 * Threads that are not active (kjournald, switch workers) pass straight
 * through (`ActiveThrdCnt.deactivated` only deactivates an active thread).
 *
 * Contract for callers (the fidelity boundary; see docs/quiescence.md): a
 * deactivated thread is invisible to generation counting, so the objects
 * it is inside must not rely on it. The superblock object counts the
 * threads inside its engine itself (its gate, ext2-super.ts) and its
 * transfer waits for them; the inode objects touch none of their state
 * after a call that may have waited, they re-enter through `DREF`
 * (file-inode.ts). The model has no continuation objects: the waiting
 * thread's stack stays where it was, which is equivalent as long as no
 * frame on it touches object state it held before the wait.
 *
 * Contracts: never from interrupt context (everything here may block).
 */
import { block, type Sim } from '../../sim/effects.ts';
import type { Engine } from '../../sim/engine.ts';
import { Mutex } from '../../sim/locks.ts';
import type { WaitQueue } from '../../sim/waitqueue.ts';
import { writeSegments, type BlockDevice } from '../../hw-ppc64/blockdev.ts';
import type { IoWait } from '../../ext2/cache.ts';
import type { Ext2Locking } from '../../ext2/index.ts';
import type { ActiveThrdCnt } from '../active-thrd-cnt.ts';

/** The device the engine reads and writes through: every transfer waits deactivated. */
export class DeactivatingDevice implements BlockDevice {
  constructor(
    private readonly dev: BlockDevice,
    private readonly atc: ActiveThrdCnt,
  ) {}
  get name(): string {
    return this.dev.name;
  }
  get sectorSize(): number {
    return this.dev.sectorSize;
  }
  get sizeBytes(): number {
    return this.dev.sizeBytes;
  }
  get readOnly(): boolean {
    return this.dev.readOnly;
  }
  read(off: number, len: number): Sim<Uint8Array> {
    return this.atc.deactivated(() => this.dev.read(off, len));
  }
  write(off: number, data: Uint8Array): Sim<void> {
    return this.atc.deactivated(() => this.dev.write(off, data));
  }
  writeNoCopy(off: number, segments: readonly Uint8Array[]): Sim<void> {
    return this.atc.deactivated(() => writeSegments(this.dev, off, segments));
  }
  flush(): Sim<void> {
    return this.atc.deactivated(() => this.dev.flush());
  }
}

/**
 * A wait queue whose sleepers deactivate first. Deactivating costs modelled
 * time, so a wake could land between the caller's check and its sleep: a
 * wake counter taken before deactivating catches it (the wait returns
 * 'woken' at once; callers re-check in a loop, as every user does).
 */
class DeactivatingWaitQueue {
  private readonly wq: WaitQueue;
  private wakes = 0;

  constructor(
    engine: Engine,
    private readonly atc: ActiveThrdCnt,
    name: string,
  ) {
    this.wq = engine.waitQueue(name);
  }

  *wait(timeout?: number): Sim<'woken' | 'timeout'> {
    const seen = this.wakes;
    const self = this;
    return yield* this.atc.deactivated(function* () {
      if (self.wakes !== seen) return 'woken' as const;
      return yield* block(self.wq, timeout);
    });
  }

  wakeAll(): void {
    this.wakes++;
    this.wq.wakeAll();
  }
}

/** A buffer being read by another thread: sleep on a wait queue, deactivated (not a compute spin). */
export function k42IoWait(engine: Engine, atc: ActiveThrdCnt, name: string): IoWait {
  const q = new DeactivatingWaitQueue(engine, atc, name);
  return {
    *wait(): Sim<void> {
      yield* q.wait();
    },
    wake: () => q.wakeAll(),
  };
}

/**
 * The engine's locking (Linux 2.6 ext3's locks, ext2/lock.ts) with every
 * wait deactivated: several request threads run in the engine at once.
 */
export function k42Locking(engine: Engine, atc: ActiveThrdCnt): Ext2Locking {
  return {
    concurrent: true,
    mutex: (name) => {
      const m = new Mutex(engine, name);
      return {
        *lock(): Sim<void> {
          if (!(yield* m.tryLock())) yield* atc.deactivated(() => m.lock());
        },
        *lockWithin(cycles: number): Sim<boolean> {
          if (yield* m.tryLock()) return true;
          return yield* atc.deactivated(() => m.lockWithin(cycles));
        },
        unlock: () => m.unlock(),
        get locked() {
          return m.locked;
        },
      };
    },
    waitQueue: (name) => {
      const q = new DeactivatingWaitQueue(engine, atc, name);
      return { wait: (timeout?: number) => q.wait(timeout), wakeAll: () => q.wakeAll() };
    },
    current: () => engine.current ?? engine,
    spawnDaemon: (name, body) => engine.spawn(name, body, { daemon: true }),
    now: () => engine.now,
  };
}
