/**
 * Use counters and the quiescence strategies of the Linux path.
 *
 * Every exported slot of a module is wrapped at load (instrument.ts) to call
 * `enter` before and `exit` after the real function. What those cost, and how
 * the update manager later decides that no thread is inside the module, is
 * the strategy:
 *
 *   none            no counting at all: the overhead baseline; cannot update.
 *   counter-shared  one atomic word per module, fetch-and-add +1/-1 on every
 *                   entry and exit (the seed paper's proposal). Every CPU
 *                   writes the same 128-byte line, so under load each call
 *                   pays a cache-to-cache transfer.
 *   counter-percpu  one word per CPU, each on its own line, updated only by
 *                   its own CPU with a plain load, add and store under
 *                   preempt-disable (percpu_ref's this_cpu_add; hw-ppc64's
 *                   addLocal64), on a line that stays in this CPU's cache.
 *                   Checking sums the lines of every CPU, paying the
 *                   transfers only then.
 *   stack-walk      no counters; at quiesce time stop and walk every thread's
 *                   stack looking for a frame of the module (the alternative
 *                   the paper rejected). Its cost grows with the number of
 *                   threads and is paid inside the block window.
 *   refcount        plain Linux: no live update; the module can only be
 *                   replaced by rmmod + insmod when nothing holds a reference.
 *
 * Counters live at modelled addresses, so their atomics and coherence are
 * charged by hw-ppc64. The per-thread depth (for recognising a recursive
 * call) is a field of the thread, charged as a local load and store.
 */
import type { Sim } from '../../sim/effects.ts';
import type { SimThread } from '../../sim/thread.ts';
import type { Machine } from '../../hw-ppc64/machine.ts';
import { fetchAdd } from '../../hw-ppc64/atomics.ts';

export const QUIESCENCE_STRATEGIES = ['none', 'counter-shared', 'counter-percpu', 'stack-walk', 'refcount'] as const;
export type QuiescenceStrategy = (typeof QUIESCENCE_STRATEGIES)[number];

export interface UseCounter {
  readonly strategy: QuiescenceStrategy;
  /** Whether entries and exits are counted at all. */
  readonly counts: boolean;
  enter(): Sim<void>;
  exit(): Sim<void>;
  /** Calls in flight as the mechanism sees it; charges the check. */
  inFlight(): Sim<number>;
  /** The update is over (released or rolled back): back to the fast path, if the check left it. */
  release?(): void;
}

class NoCounter implements UseCounter {
  readonly counts = false;
  constructor(readonly strategy: 'none' | 'refcount') {}
  *enter(): Sim<void> {}
  *exit(): Sim<void> {}
  *inFlight(): Sim<number> {
    throw new Error(`strategy ${this.strategy} cannot detect quiescence`);
  }
}

class SharedCounter implements UseCounter {
  readonly strategy = 'counter-shared';
  readonly counts = true;
  private readonly ea: number;
  constructor(
    private readonly m: Machine,
    module: string,
  ) {
    this.ea = m.alloc(8, { align: m.lineSize, name: `${module}.use_count` });
  }
  *enter(): Sim<void> {
    yield* fetchAdd(this.m, this.ea, 1);
  }
  *exit(): Sim<void> {
    yield* fetchAdd(this.m, this.ea, -1);
  }
  *inFlight(): Sim<number> {
    yield* this.m.sync();
    return yield* this.m.load64(this.ea);
  }
}

/**
 * percpu_ref on the modelled machine. In per-CPU mode an entry or exit is
 * this CPU's plain load/add/store (addLocal64) on its own line. Summing the
 * lines one CPU at a time while entries continue is not a snapshot (an entry
 * on a CPU already read, then an exit on one not yet read, gives a sum too
 * small), so the check first switches the counter to atomic mode, as
 * percpu_ref_kill does: from then on entries and exits go to one shared
 * atomic word, the per-CPU lines are frozen and summed once, and every check
 * is that frozen sum plus one load of the atomic word, exact at the instant
 * of that load. `release` switches back to per-CPU mode (percpu_ref_reinit;
 * the atomic word keeps its value: the count is always the lines plus it).
 *
 * The mode test and the add are one step of the simulated CPU (nothing runs
 * on that CPU in between, as with preemption disabled), so no entry can read
 * the old mode and add to a frozen line after the switch; Linux needs an
 * RCU-sched grace period for that, charged here as a sync on the checker.
 */
class PerCpuCounter implements UseCounter {
  readonly strategy = 'counter-percpu';
  readonly counts = true;
  private readonly base: number;
  private readonly atomicEa: number;
  private atomic = false;
  /** Sum of the frozen per-CPU lines while in atomic mode. */
  private frozen = 0;
  constructor(
    private readonly m: Machine,
    module: string,
  ) {
    this.base = m.alloc(m.lineSize * m.cpus, { align: m.lineSize, name: `${module}.use_count_percpu` });
    this.atomicEa = m.alloc(8, { align: m.lineSize, name: `${module}.use_count_atomic` });
  }
  private slot(): number {
    return this.base + this.m.engine.currentCpu * this.m.lineSize;
  }
  *enter(): Sim<void> {
    if (this.atomic) yield* fetchAdd(this.m, this.atomicEa, 1);
    else yield* this.m.addLocal64(this.slot(), 1);
  }
  *exit(): Sim<void> {
    if (this.atomic) yield* fetchAdd(this.m, this.atomicEa, -1);
    else yield* this.m.addLocal64(this.slot(), -1);
  }
  *inFlight(): Sim<number> {
    if (!this.atomic) {
      // percpu_ref_kill: switch to atomic mode, wait out the grace period,
      // then the per-CPU lines no longer change: sum them once.
      this.atomic = true;
      yield* this.m.sync();
      let sum = 0;
      for (let c = 0; c < this.m.cpus; c++) sum += yield* this.m.load64(this.base + c * this.m.lineSize);
      this.frozen = sum;
    }
    yield* this.m.sync();
    return this.frozen + (yield* this.m.load64(this.atomicEa));
  }
  release(): void {
    this.atomic = false;
  }
}

class StackWalk implements UseCounter {
  readonly strategy = 'stack-walk';
  readonly counts = false;
  constructor(
    private readonly m: Machine,
    private readonly module: string,
  ) {}
  *enter(): Sim<void> {}
  *exit(): Sim<void> {}
  *inFlight(): Sim<number> {
    // The walk reads each thread's stack (the engine's frame stack is the
    // stack here) and pays for every thread and frame it looks at (the
    // machine's stackWalkPerThread and stackWalkPerFrame).
    const e = this.m.engine;
    let inside = 0;
    const me = e.current;
    const scan = (t: SimThread): void => {
      if (t.frameIn(this.module)) inside++;
    };
    let cost = 0;
    for (const t of e.threads()) {
      if (t.done || t === me) continue;
      cost += this.m.costs.stackWalkPerThread + this.m.costs.stackWalkPerFrame * t.frames.length;
      scan(t);
    }
    for (const c of e.cpus) for (const h of c.irqStack) scan(h);
    if (cost > 0) yield cost;
    return inside;
  }
}

export function makeUseCounter(strategy: QuiescenceStrategy, m: Machine, module: string): UseCounter {
  switch (strategy) {
    case 'none':
    case 'refcount':
      return new NoCounter(strategy);
    case 'counter-shared':
      return new SharedCounter(m, module);
    case 'counter-percpu':
      return new PerCpuCounter(m, module);
    case 'stack-walk':
      return new StackWalk(m, module);
  }
}
