/**
 * The Linux-path mediator: stubs patched into every exported slot of the old
 * module's tables for the length of an update.
 *
 * A stub decides per call:
 *   - not blocking yet (interpose), or the caller is already inside the old
 *     module (a recursive call): forward to the current target at once.
 *     Blocking a recursive call would deadlock the thread against itself.
 *   - blocking, in interrupt context (an I/O completion into the module):
 *     interrupt context may not block, and must not run the code about to be
 *     replaced either, so the rest of the handler is deferred to a per-CPU
 *     softirq queue (the interrupt returns at once) that `release` raises:
 *     after a redirect the deferred calls run the new code, after a rollback
 *     the old (docs/quiescence.md, "Interrupt context").
 *   - blocking (block, quiesce, transfer, redirect): wait on the mediator's
 *     queue until release, then call the current target: the new module
 *     after a redirect, the old one after a rollback. Either way the call
 *     runs exactly once.
 * The stub is manager code, not module code: a thread waiting in it is not
 * "inside" the module, which is what lets the module drain.
 *
 * Lock dependencies. The VFS calls many slots with locks held (the parent's
 * i_rwsem for create, the inode's for setattr), and module code takes VFS
 * locks itself (generic_file_write takes i_rwsem). So a caller blocked here
 * can hold a lock that a call already inside the module waits for: the
 * module could then never drain, and every such update would end in a
 * quiescence timeout. docs/design.md's rules (recursive and interrupt calls pass)
 * do not cover it. `passLockHolders` finds such callers, following chains of
 * lock waits (lock ownership is ordinary kernel state, as mutex owners and
 * lockdep are in Linux), and lets exactly those through into the old code.
 */
import type { Sim } from '../../sim/effects.ts';
import type { SimThread } from '../../sim/thread.ts';
import type { WaitQueue } from '../../sim/waitqueue.ts';
import { SoftirqQueue, deferToSoftirq } from '../../sim/softirq.ts';
import type { Machine } from '../../hw-ppc64/machine.ts';
import type { Gate, Instrumentation, SlotFn, SlotRecord } from './instrument.ts';
import type { ExportedTable } from '../core/module.ts';

export type UpdatePhase = 'idle' | 'check' | 'interpose' | 'block' | 'quiesce' | 'transfer' | 'redirect' | 'release' | 'retire' | 'rollback';

/** What happened to calls that met the mediator. */
export interface MediatorStats {
  /** Calls that entered a stub. */
  mediated: number;
  /** Calls that waited for release. */
  blocked: number;
  /** Calls that passed because their thread was already inside the module. */
  passedRecursive: number;
  /** Interrupt-context calls that passed (recursive: their handler was already inside the module). */
  passedInterrupt: number;
  /** Interrupt-context calls deferred to the softirq queue until release. */
  deferredInterrupt: number;
  /** Calls forwarded to the old code / to the new code. */
  ranOld: number;
  ranNew: number;
  /** Calls whose thread was killed while it waited (they never ran). */
  killedWhileBlocked: number;
  /** Blocked calls let through because a call inside the module waited for a lock they held. */
  passedLockHolder: number;
  /** Each blocked call's wait, in cycles. */
  stalls: number[];
}

/** The new code for every patched slot, decided before the point of no return. */
export interface SlotPlan {
  readonly newSlots: ReadonlyMap<string, ReadonlyMap<string, SlotFn>>;
  /** In the order of the patched slots. */
  readonly fns: readonly SlotFn[];
}

export class Mediator implements Gate {
  phase: UpdatePhase = 'idle';
  /** True from `block` until `release` (or rollback). */
  blocking = false;
  /** Which code a forwarded call runs. */
  target: 'old' | 'new' = 'old';
  /** Stub executions in progress (retire waits for zero). */
  inFlight = 0;
  readonly stats: MediatorStats = {
    mediated: 0,
    blocked: 0,
    passedRecursive: 0,
    passedInterrupt: 0,
    deferredInterrupt: 0,
    ranOld: 0,
    ranNew: 0,
    killedWhileBlocked: 0,
    passedLockHolder: 0,
    stalls: [],
  };
  /** Waiting threads let through (lock holders), until their call returns. */
  readonly passed = new Set<SimThread>();
  /** Threads waiting in a stub now. */
  readonly waiting = new Set<SimThread>();
  private readonly wq: WaitQueue;
  /** Interrupt-context calls deferred while blocking (per CPU), raised at release. */
  private readonly softirq: SoftirqQueue;
  private newSlots: ReadonlyMap<string, ReadonlyMap<string, SlotFn>> | null = null;
  private patched: { rec: SlotRecord; key: string; original: SlotFn }[] = [];

  constructor(
    private readonly m: Machine,
    readonly old: Instrumentation,
    private readonly oldTables: readonly ExportedTable[],
  ) {
    this.wq = m.engine.waitQueue(`mediator ${old.label}`);
    this.softirq = new SoftirqQueue(m.engine, `mediator ${old.label} deferred irq`);
  }

  get diverting(): boolean {
    return this.blocking || this.target === 'new';
  }

  /** Calls let through and not yet returned: quiescence needs none. */
  get passedPending(): number {
    return this.passed.size;
  }

  /** interpose: patch every function slot of the old tables to a stub. Returns the number of slots patched. */
  interpose(): number {
    this.old.gate = this;
    for (const t of this.oldTables) {
      const rec = t.table as unknown as SlotRecord;
      const orig = this.old.slots.get(t.name);
      if (!orig) continue;
      for (const [key, fn] of orig) {
        this.patched.push({ rec, key, original: fn });
        rec[key] = this.stub(t.name, key);
      }
    }
    return this.patched.length;
  }

  /**
   * Before the point of no return: the new function for every patched slot.
   * Throws if the new code lacks one (nothing is changed).
   */
  planRedirect(newSlots: ReadonlyMap<string, ReadonlyMap<string, SlotFn>>): SlotPlan {
    const fns: SlotFn[] = [];
    for (const p of this.patched) {
      const t = this.tableNameOf(p.rec);
      const fn = t ? newSlots.get(t)?.get(p.key) : undefined;
      if (!fn) throw new Error(`redirect: new code lacks ${t}.${p.key}`);
      fns.push(fn);
    }
    return { newSlots, fns };
  }

  /** redirect: point every old slot straight at the new code (no stub any more). Cannot fail. */
  redirect(plan: SlotPlan): void {
    this.newSlots = plan.newSlots;
    this.patched.forEach((p, i) => {
      p.rec[p.key] = plan.fns[i]!;
    });
    this.target = 'new';
  }

  /** rollback: restore the old instrumented functions. */
  restore(): void {
    for (const p of this.patched) p.rec[p.key] = p.original;
    this.target = 'old';
  }

  /** The update rolled back: the old code stops consulting the gate. (After a redirect it never detaches.) */
  detach(): void {
    if (this.old.gate === this) this.old.gate = null;
  }

  /** A call that reached the old code without meeting a stub, and must wait (Gate). */
  *redispatch(table: string, slot: string, args: unknown[]): Sim<unknown> {
    return yield* this.stub(table, slot)(...args);
  }

  /** Wake every waiting call and raise the deferred interrupt work (release or rollback). */
  release(): number {
    this.blocking = false;
    return this.wq.wakeAll() + this.softirq.raise();
  }

  /**
   * Let through every waiting caller that holds a lock a call inside the old
   * module is (transitively) waiting for. Returns how many were let through
   * and how many threads were examined (the caller charges for them).
   */
  passLockHolders(): { passed: number; examined: number } {
    let passed = 0;
    let examined = 0;
    const inside = (u: SimThread): boolean => this.old.isInside(u);
    for (const w of [...this.waiting]) {
      if (this.passed.has(w) || w.heldLocks.length === 0) continue;
      // breadth-first over "waits for a lock held by"
      const seen = new Set<SimThread>([w]);
      const queue: SimThread[] = [w];
      let needed = false;
      while (queue.length > 0 && !needed) {
        const h = queue.shift()!;
        for (const lock of h.heldLocks) {
          for (const u of lock.waitingThreads()) {
            examined++;
            if (seen.has(u)) continue;
            seen.add(u);
            if (inside(u)) {
              needed = true;
              break;
            }
            queue.push(u);
          }
          if (needed) break;
        }
      }
      if (needed) {
        this.passed.add(w);
        this.stats.passedLockHolder++;
        this.wq.remove(w);
        this.m.engine.wake(w, 'woken');
        passed++;
      }
    }
    return { passed, examined };
  }

  private tableNameOf(rec: SlotRecord): string | undefined {
    return this.oldTables.find((t) => (t.table as unknown) === rec)?.name;
  }

  private stub(table: string, key: string): SlotFn {
    const self = this;
    const engine = this.m.engine;
    const ins = this.old;
    return function* mediated(...args: unknown[]): Sim<unknown> {
      const t = engine.current!;
      self.inFlight++;
      self.stats.mediated++;
      try {
        if (self.blocking) {
          if (ins.isInside(t)) {
            if (t.isInterrupt) self.stats.passedInterrupt++;
            else self.stats.passedRecursive++;
          } else if (t.isInterrupt) {
            self.stats.deferredInterrupt++;
            yield* deferToSoftirq(self.softirq);
            // running again as softirq work on this CPU, after release:
            // entered as an interrupt is (state saved, vector), irqEntry
            yield self.m.costs.irqEntry;
          } else yield* self.wait(t);
        }
        let fn: SlotFn | undefined;
        if (self.target === 'new') {
          fn = self.newSlots?.get(table)?.get(key);
          self.stats.ranNew++;
        } else {
          fn = ins.slots.get(table)?.get(key);
          self.stats.ranOld++;
        }
        if (!fn) throw new Error(`mediator: no code for ${table}.${key}`);
        return yield* fn(...args);
      } finally {
        self.inFlight--;
        self.passed.delete(t);
      }
    };
  }

  private *wait(t: SimThread): Sim<void> {
    const engine = this.m.engine;
    const start = engine.now;
    this.stats.blocked++;
    this.waiting.add(t);
    try {
      while (this.blocking && !this.passed.has(t)) yield { kind: 'block', wq: this.wq };
    } catch (e) {
      this.stats.killedWhileBlocked++;
      throw e;
    } finally {
      this.waiting.delete(t);
    }
    this.stats.stalls.push(engine.now - start);
  }
}
