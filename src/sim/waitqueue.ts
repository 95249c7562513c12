/**
 * Wait queues: FIFO lists of blocked threads, woken one at a time or all at
 * once (Linux `wait_queue_head_t` with exclusive and non-exclusive wakeups).
 *
 * `wakeOne`/`wakeAll` never block and may be called from thread or interrupt
 * context; the woken threads become ready on their own CPU at the waker's
 * current time.
 */
import type { Engine } from './engine.ts';
import type { SimThread } from './thread.ts';

export class WaitQueue {
  /** Blocked threads in arrival order. */
  private readonly waiters: SimThread[] = [];

  constructor(
    readonly engine: Engine,
    readonly name: string,
  ) {}

  get length(): number {
    return this.waiters.length;
  }

  /** Threads waiting, oldest first (a copy). */
  list(): SimThread[] {
    return this.waiters.slice();
  }

  /** Called by the engine when a thread blocks here. */
  enqueue(t: SimThread): void {
    this.waiters.push(t);
  }

  /** Called by the engine on timeout or kill. */
  remove(t: SimThread): boolean {
    const i = this.waiters.indexOf(t);
    if (i < 0) return false;
    this.waiters.splice(i, 1);
    return true;
  }

  /** Wake the oldest waiter; false if none. */
  wakeOne(): boolean {
    const t = this.waiters.shift();
    if (!t) return false;
    this.engine.wake(t, 'woken');
    return true;
  }

  /** Wake every waiter, oldest first; returns how many. */
  wakeAll(): number {
    const all = this.waiters.splice(0, this.waiters.length);
    for (const t of all) this.engine.wake(t, 'woken');
    return all.length;
  }
}
