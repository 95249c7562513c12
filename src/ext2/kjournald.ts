/**
 * kjournald: the thread that commits a mounted ext3's transactions (Linux
 * fs/jbd/journal.c kjournald, one per journal).
 *
 * Operations never commit while other threads run: the last one to find the
 * running transaction full or older than the commit interval wakes this
 * thread (Journal.wakeCommitter), and fsync/sync commit through the journal
 * themselves. The thread sleeps on its wait queue between commits, so a run
 * whose other threads are done ends (it is a daemon).
 *
 * A thread that runs the file system's code belongs to the module, which is
 * one of the things a live update must deal with: the update parks it
 * (`park`: it finishes the commit in hand and sleeps outside the module's
 * code, and callers commit inline meanwhile), hands it to the new engine
 * (`handOver`) and lets it go (`unpark`), or unparks it on the old engine
 * if the update rolls back. Its thread is the same before and after.
 */
import type { Sim } from '../sim/effects.ts';
import type { Ext2Locking, FsDaemon, FsWaitQueue } from './lock.ts';
import type { Journal } from './journal.ts';

export type KjournaldState = 'idle' | 'committing' | 'parked' | 'stopped';

export class Kjournald {
  state: KjournaldState = 'idle';
  /** Commits this thread did (statistics, tests). */
  commits = 0;
  /** Times it was handed to another engine. */
  handovers = 0;
  private wanted = false;
  private parkRequested = false;
  /** Clock value at which a park not followed by unpark lapses (an update that rolled back early). */
  private parkUntil = 0;
  private stopRequested = false;
  private readonly wq: FsWaitQueue;
  /** Woken when the thread parks or stops. */
  private readonly parkedWq: FsWaitQueue;
  readonly thread: FsDaemon | null;

  constructor(
    /** The journal it commits (the same object across a live update's hand-over). */
    private journal: Journal,
    private readonly locking: Ext2Locking,
    name: string,
    /** Called around each commit (the owning module records a frame for it). */
    private readonly frame: { enter(): void; exit(): void } | null = null,
  ) {
    this.wq = locking.waitQueue(`${name} wait`);
    this.parkedWq = locking.waitQueue(`${name} parked`);
    this.thread = locking.spawnDaemon(name, () => this.loop());
    if (this.thread) journal.wakeCommitter = this.wake;
  }

  /** Ask for a commit (never blocks; any context). */
  readonly wake = (): void => {
    this.wanted = true;
    this.wq.wakeAll();
  };

  private *loop(): Sim<void> {
    for (;;) {
      while (!this.stopRequested && (this.parkRequested || !this.wanted)) {
        if (this.parkRequested) {
          if (this.state !== 'parked') {
            this.state = 'parked';
            this.parkedWq.wakeAll();
          }
          const left = this.parkUntil - this.locking.now();
          if (left <= 0) {
            this.unpark();
            continue;
          }
          yield* this.wq.wait(left);
          continue;
        }
        yield* this.wq.wait();
      }
      if (this.stopRequested) break;
      this.state = 'committing';
      this.wanted = false;
      this.frame?.enter();
      try {
        yield* this.journal.commit();
        this.commits++;
      } finally {
        this.frame?.exit();
        this.state = 'idle';
      }
    }
    this.state = 'stopped';
    this.parkedWq.wakeAll();
  }

  /**
   * Park it: it finishes a commit in hand and sleeps; meanwhile operations
   * commit inline. Waits at most `cycles`; true once parked (false: still
   * committing when the time ran out; it parks when that commit ends).
   * Unless unparked, it lets itself go after `leaseCycles` (an update that
   * rolled back before its transfer never calls unpark).
   */
  *park(cycles: number, leaseCycles: number): Sim<boolean> {
    this.parkRequested = true;
    this.parkUntil = this.locking.now() + cycles + leaseCycles;
    this.journal.wakeCommitter = null;
    if (!this.thread) return true;
    this.wq.wakeAll();
    const deadline = this.locking.now() + cycles;
    while (this.state !== 'parked' && this.state !== 'stopped') {
      const left = deadline - this.locking.now();
      if (left <= 0) return false;
      yield* this.parkedWq.wait(left);
    }
    return true;
  }

  /** Point it at the journal a new engine adopted (the same journal object in a hand-over). */
  handOver(journal: Journal): void {
    this.journal = journal;
    this.handovers++;
  }

  /** Let it run again (after an update, or its rollback). */
  unpark(): void {
    this.parkRequested = false;
    if (!this.thread || this.state === 'stopped') return;
    this.journal.wakeCommitter = this.wake;
    if (this.state === 'parked') this.state = 'idle';
    if (this.journal.needsCommit() || this.journal.tooOld()) this.wanted = true;
    this.wq.wakeAll();
  }

  /** Stop it for good (unmount); it ends after a commit in hand. Callers commit inline from now on. */
  *stop(): Sim<void> {
    this.stopRequested = true;
    this.journal.wakeCommitter = null;
    if (!this.thread) return;
    this.wq.wakeAll();
    while (this.state !== 'stopped') yield* this.parkedWq.wait();
  }
}
