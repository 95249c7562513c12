/**
 * Sleeping locks and spinlocks for simulated code.
 *
 * Costs come from the engine's `SchedCosts`, which the machine layer fills
 * from its cost table (an atomic per acquire and release, a spin-loop
 * iteration while waiting). The machine layer also has lock-free primitives
 * charged per cache line; these locks are for code whose lock traffic is not
 * itself under study.
 *
 * `Mutex` hands the lock directly to the oldest waiter on unlock (FIFO, no
 * barging), so lock order is deterministic. It may block: never take it in
 * interrupt context (the engine throws). `SpinLock` never blocks and may be
 * taken in interrupt context.
 */
import { block, type Sim } from './effects.ts';
import type { Engine } from './engine.ts';
import { SimError } from './errors.ts';
import type { LockLike, SimThread } from './thread.ts';
import { WaitQueue } from './waitqueue.ts';

export class Mutex implements LockLike {
  private owner: SimThread | null = null;
  private readonly wq: WaitQueue;

  constructor(
    private readonly engine: Engine,
    readonly name: string,
  ) {
    this.wq = new WaitQueue(engine, `mutex ${name}`);
  }

  get locked(): boolean {
    return this.owner !== null;
  }

  get holder(): SimThread | null {
    return this.owner;
  }

  get waiters(): number {
    return this.wq.length;
  }

  waitingThreads(): readonly SimThread[] {
    return this.wq.list();
  }

  private take(t: SimThread): void {
    this.owner = t;
    t.heldLocks.push(this);
  }

  /** The thread taking the lock: a lock outside a thread or a recursive one is a bug in the model. */
  private locker(): SimThread {
    const me = this.engine.current;
    if (!me) throw new SimError(`mutex ${this.name}: lock outside a thread`);
    if (this.owner === me) throw new SimError(`mutex ${this.name}: recursive lock by t${me.id}`);
    return me;
  }

  *lock(): Sim<void> {
    const me = this.locker();
    yield this.engine.costs.atomic;
    if (this.owner === null) {
      this.take(me);
      return;
    }
    // unlock() hands ownership over before waking us
    while (this.owner !== me) yield { kind: 'block', wq: this.wq };
  }

  /**
   * Take the lock, waiting in line at most `cycles`; false if the wait timed
   * out (the lock was never handed over). May block.
   */
  *lockWithin(cycles: number): Sim<boolean> {
    const me = this.locker();
    yield this.engine.costs.atomic;
    if (this.owner === null) {
      this.take(me);
      return true;
    }
    const deadline = this.engine.now + cycles;
    while (this.owner !== me) {
      const left = deadline - this.engine.now;
      if (left <= 0) return false;
      const why = yield* block(this.wq, left);
      if (why === 'timeout' && this.owner !== me) return false;
    }
    return true;
  }

  /** Take the lock if free; never blocks. */
  *tryLock(): Sim<boolean> {
    yield this.engine.costs.atomic;
    if (this.owner !== null) return false;
    this.take(this.engine.current!);
    return true;
  }

  *unlock(): Sim<void> {
    const me = this.engine.current;
    if (this.owner !== me) throw new SimError(`mutex ${this.name}: unlock by t${me?.id} but owner is t${this.owner?.id}`);
    yield this.engine.costs.atomic;
    const held = me!.heldLocks;
    const i = held.lastIndexOf(this);
    if (i >= 0) held.splice(i, 1);
    const next = this.wq.list()[0];
    if (next) {
      this.take(next);
      this.wq.wakeOne();
    } else {
      this.owner = null;
    }
  }
}

export class SpinLock {
  private held = false;
  /** Iterations spent waiting, summed over all acquirers. */
  spins = 0;

  constructor(
    private readonly engine: Engine,
    readonly name: string,
  ) {}

  get locked(): boolean {
    return this.held;
  }

  *lock(): Sim<void> {
    const c = this.engine.costs;
    while (this.held) {
      this.spins++;
      yield c.spinIteration;
    }
    this.held = true;
    yield c.atomic;
  }

  *unlock(): Sim<void> {
    if (!this.held) throw new SimError(`spinlock ${this.name}: unlock while not held`);
    this.held = false;
    yield this.engine.costs.atomic;
  }
}
