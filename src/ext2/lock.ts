/**
 * How the engine synchronises its callers (Linux 2.6 ext3's locking, not a
 * lock per mount). The engine takes its locks at the call sites that need
 * them; this file only supplies the primitives, so the same code runs under
 * the simulation (many threads on many CPUs) and in single-threaded tests
 * that drive the engine without one.
 *
 * The locks, outermost first (what each protects):
 *   - the VFS's per-inode `i_rwsem` (taken by the VFS and the glue, not
 *     here): a directory's entries, an inode's size and block map against
 *     writers and truncate; readers share it;
 *   - a JBD2 handle (journal.ts `start`/`stop`): every mutating operation
 *     runs inside one, many at once in the same running transaction; a
 *     commit waits until the transaction's handles are all stopped;
 *   - the per-inode `truncate_mutex` (Ext2Fs.truncateMutex): the block map
 *     while blocks are allocated into it or truncated off it;
 *   - a per-block-group lock (Ext2Fs.bgLock, Linux's sb_bgl_lock): the
 *     group's bitmaps and descriptor counts while bits are found and set.
 * The buffer cache serialises reads of one block itself (cache.ts), and a
 * compute step is atomic, so a synchronous stretch of code between two
 * effects needs no lock.
 */
import { block, type Sim } from '../sim/effects.ts';
import type { Engine } from '../sim/engine.ts';
import { Mutex } from '../sim/locks.ts';
import type { WaitQueue } from '../sim/waitqueue.ts';

/** A sleeping lock as the engine uses it. */
export interface FsLock {
  lock(): Sim<void>;
  /** Take it, waiting at most `cycles`; false if the wait timed out. */
  lockWithin(cycles: number): Sim<boolean>;
  unlock(): Sim<void>;
  readonly locked: boolean;
}

/** A condition to wait for: `wait` sleeps until the next `wakeAll` (callers re-check in a loop). */
export interface FsWaitQueue {
  wait(timeoutCycles?: number): Sim<'woken' | 'timeout'>;
  wakeAll(): void;
}

/** A daemon the engine runs (kjournald). */
export interface FsDaemon {
  readonly name: string;
  readonly done: boolean;
}

export interface Ext2Locking {
  /** True when several threads may call the engine at once. */
  readonly concurrent: boolean;
  mutex(name: string): FsLock;
  waitQueue(name: string): FsWaitQueue;
  /** The calling thread, as a key (JBD2's current->journal_info is kept per thread). */
  current(): object;
  /** Start a daemon thread running `body`; null when single-threaded (the work then runs inline). */
  spawnDaemon(name: string, body: () => Sim<void>): FsDaemon | null;
  /** The calling CPU's clock in cycles (bounded waits). */
  now(): number;
}

/** The simulation's locks: sleeping mutexes, wait queues, daemon threads. */
export function simLocking(engine: Engine): Ext2Locking {
  return {
    concurrent: true,
    mutex: (name) => new SimFsLock(new Mutex(engine, name)),
    waitQueue: (name) => simWaitQueue(engine.waitQueue(name)),
    current: () => engine.current ?? engine,
    spawnDaemon: (name, body) => engine.spawn(name, body, { daemon: true }),
    now: () => engine.now,
  };
}

/**
 * A simulation mutex as an FsLock. A class, not an object of closures: one
 * is made per cached inode (its truncate_mutex), and closures made per
 * object cost the populate's hot path measurable time.
 */
class SimFsLock implements FsLock {
  constructor(private readonly m: Mutex) {}
  lock(): Sim<void> {
    return this.m.lock();
  }
  lockWithin(cycles: number): Sim<boolean> {
    return this.m.lockWithin(cycles);
  }
  unlock(): Sim<void> {
    return this.m.unlock();
  }
  get locked(): boolean {
    return this.m.locked;
  }
}

function simWaitQueue(wq: WaitQueue): FsWaitQueue {
  return {
    wait: (timeout) => block(wq, timeout),
    wakeAll: () => void wq.wakeAll(),
  };
}

/** One caller at a time (tests driving the engine directly): locks are free, nothing ever waits. */
export const SINGLE_THREADED: Ext2Locking = {
  concurrent: false,
  mutex: (name) => freeLock(name),
  waitQueue: (name) => ({
    // eslint-disable-next-line require-yield
    *wait(): Sim<'woken' | 'timeout'> {
      throw new Error(`ext2: ${name}: a single-threaded caller would wait for itself`);
    },
    wakeAll(): void {},
  }),
  current: () => SINGLE_THREADED,
  spawnDaemon: () => null,
  now: () => 0,
};

function freeLock(name: string): FsLock {
  let held = false;
  return {
    // eslint-disable-next-line require-yield
    *lock(): Sim<void> {
      if (held) throw new Error(`ext2: ${name}: taken twice by a single-threaded caller`);
      held = true;
    },
    // eslint-disable-next-line require-yield
    *lockWithin(): Sim<boolean> {
      if (held) throw new Error(`ext2: ${name}: taken twice by a single-threaded caller`);
      held = true;
      return true;
    },
    // eslint-disable-next-line require-yield
    *unlock(): Sim<void> {
      held = false;
    },
    get locked() {
      return held;
    },
  };
}
