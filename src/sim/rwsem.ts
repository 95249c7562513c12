/**
 * A reader/writer semaphore for simulated code (Linux `struct rw_semaphore`,
 * after the 2.6 generic implementation lib/rwsem-spinlock.c).
 *
 * Any number of readers share it; a writer has it alone. Waiters queue in
 * arrival order (FIFO fairness): a reader arriving while anybody waits
 * queues too, so a stream of readers cannot starve a writer. On release
 * the semaphore is handed over before anyone is woken: to the writer at the
 * head of the queue, or to every reader at the head up to the first
 * writer (`__rwsem_do_wake`), so the grant order is deterministic.
 *
 * Costs: an atomic per acquire and release from the engine's `SchedCosts`.
 * May block: never take it in interrupt context. `lock`/`unlock` are the
 * writer side, so a `Mutex` user (the VFS's i_rwsem callers) keeps its
 * meaning; readers call `down_read`/`up_read`.
 */
import { block, type Sim } from './effects.ts';
import type { Engine } from './engine.ts';
import { SimError } from './errors.ts';
import type { LockLike, SimThread } from './thread.ts';
import { WaitQueue } from './waitqueue.ts';

interface RwWaiter {
  readonly t: SimThread;
  readonly write: boolean;
  granted: boolean;
}

export class RwSemaphore implements LockLike {
  private writer: SimThread | null = null;
  /** Threads holding it for reading (a thread may appear once). */
  private readonly readerSet = new Set<SimThread>();
  private readonly queue: RwWaiter[] = [];
  private readonly wq: WaitQueue;
  /** Acquisitions that had to wait (statistics). */
  contended = 0;

  constructor(
    private readonly engine: Engine,
    readonly name: string,
  ) {
    this.wq = new WaitQueue(engine, `rwsem ${name}`);
  }

  /** Held by anybody (a writer or at least one reader). */
  get locked(): boolean {
    return this.writer !== null || this.readerSet.size > 0;
  }

  /** The writer holding it, if any. */
  get holder(): SimThread | null {
    return this.writer;
  }

  get readers(): number {
    return this.readerSet.size;
  }

  get waiters(): number {
    return this.queue.length;
  }

  waitingThreads(): readonly SimThread[] {
    return this.queue.map((w) => w.t);
  }

  /** The calling thread holds it, for reading or writing. */
  heldByCaller(): boolean {
    const me = this.engine.current;
    return me !== null && (this.writer === me || this.readerSet.has(me));
  }

  *down_read(): Sim<void> {
    const me = this.self('down_read');
    yield this.engine.costs.atomic;
    if (this.writer === null && this.queue.length === 0) {
      this.grantRead(me);
      return;
    }
    yield* this.wait(me, false);
  }

  *down_write(): Sim<void> {
    const me = this.self('down_write');
    yield this.engine.costs.atomic;
    if (!this.locked && this.queue.length === 0) {
      this.grantWrite(me);
      return;
    }
    yield* this.wait(me, true);
  }

  /** Take it for reading if that needs no waiting; never blocks. */
  *down_read_trylock(): Sim<boolean> {
    const me = this.self('down_read_trylock');
    yield this.engine.costs.atomic;
    if (this.writer !== null || this.queue.length > 0) return false;
    this.grantRead(me);
    return true;
  }

  /** Take it for writing if it is free; never blocks. */
  *down_write_trylock(): Sim<boolean> {
    const me = this.self('down_write_trylock');
    yield this.engine.costs.atomic;
    if (this.locked || this.queue.length > 0) return false;
    this.grantWrite(me);
    return true;
  }

  *up_read(): Sim<void> {
    const me = this.engine.current;
    if (!me || !this.readerSet.has(me)) throw new SimError(`rwsem ${this.name}: up_read by t${me?.id} which does not hold it for reading`);
    yield this.engine.costs.atomic;
    this.readerSet.delete(me);
    dropHeld(me, this);
    if (this.readerSet.size === 0) this.wakeWaiters();
  }

  *up_write(): Sim<void> {
    const me = this.engine.current;
    if (!me || this.writer !== me) throw new SimError(`rwsem ${this.name}: up_write by t${me?.id} but the writer is t${this.writer?.id}`);
    yield this.engine.costs.atomic;
    this.writer = null;
    dropHeld(me, this);
    this.wakeWaiters();
  }

  /** Writer side under the `Mutex` names. */
  lock(): Sim<void> {
    return this.down_write();
  }
  unlock(): Sim<void> {
    return this.up_write();
  }

  private self(op: string): SimThread {
    const me = this.engine.current;
    if (!me) throw new SimError(`rwsem ${this.name}: ${op} outside a thread`);
    if (this.writer === me || this.readerSet.has(me)) throw new SimError(`rwsem ${this.name}: recursive ${op} by t${me.id}`);
    return me;
  }

  private grantRead(t: SimThread): void {
    this.readerSet.add(t);
    t.heldLocks.push(this);
  }

  private grantWrite(t: SimThread): void {
    this.writer = t;
    t.heldLocks.push(this);
  }

  /** Queue and sleep until a release hands the semaphore over. */
  private *wait(me: SimThread, write: boolean): Sim<void> {
    const w: RwWaiter = { t: me, write, granted: false };
    this.queue.push(w);
    this.contended++;
    try {
      while (!w.granted) yield* block(this.wq);
    } catch (e) {
      // Killed while waiting: leave the queue, or give back what was granted.
      const i = this.queue.indexOf(w);
      if (i >= 0) this.queue.splice(i, 1);
      else if (w.granted) {
        if (write) this.writer = null;
        else this.readerSet.delete(me);
        dropHeld(me, this);
      }
      this.wakeWaiters();
      throw e;
    }
  }

  /** Hand the semaphore to the head of the queue: one writer, or every reader up to the first writer. */
  private wakeWaiters(): void {
    if (this.writer !== null) return;
    const granted: SimThread[] = [];
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head.write) {
        if (this.readerSet.size > 0 || granted.length > 0) break;
        this.queue.shift();
        head.granted = true;
        this.grantWrite(head.t);
        granted.push(head.t);
        break;
      }
      this.queue.shift();
      head.granted = true;
      this.grantRead(head.t);
      granted.push(head.t);
    }
    for (const t of granted) {
      if (this.wq.remove(t)) this.engine.wake(t, 'woken');
    }
  }
}

function dropHeld(t: SimThread, lock: LockLike): void {
  const held = t.heldLocks;
  const i = held.lastIndexOf(lock);
  if (i >= 0) held.splice(i, 1);
}
