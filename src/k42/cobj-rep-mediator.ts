/**
 * Module Description: the per-VP mediator representative that interposes on
 * every call to an object being hot-swapped, after K42
 * lib/libc/cobj/CObjRepMediator.{H,C} and sys/arch/powerpc/mediateMethods.S.
 *
 * K42 gives the mediator a vtable of 256 trampolines (`mediateMethodN`), so
 * whatever method a client calls lands in `mediateForwardProlog`. Here the
 * rep is wrapped in a Proxy that turns every method of the old rep into a
 * trampoline the same way; the Proxy is what the LTE points at. Per call,
 * by the phase of this VP's mediator data:
 *
 *   forward   under `switchPhaseLock`: count the call in flight, record the
 *             thread in the MediatedThreadTable, call the OLD rep; the
 *             epilog pops the entry and uncounts; the last in-flight call
 *             after BLOCK began may finish the block phase.
 *   block     add the thread to the blocked list; if the thread already has
 *             a mediated call here (same-thread recursion) take it off and
 *             forward it, never block it; otherwise wait until the thread's
 *             slot is released, then call the NEW object (no epilog).
 *   completed call the new object.
 *
 * Contracts: only calls to the object being switched ever wait here; a
 * blocked call waits on a wait queue, so it may not come from interrupt
 * context (K42 has the same restriction: PPC threads block). The call that
 * is forwarded keeps running in the old rep with the thread's own stack.
 */
import { block, type Sim } from '../sim/effects.ts';
import type { SimThread } from '../sim/thread.ts';
import type { WaitQueue } from '../sim/waitqueue.ts';
import { CObjRep } from './cobj.ts';
import type { CObjRootMediator } from './cobj-root-mediator.ts';
import { MediatedThreadTable } from './mediated-thread-table.ts';
import type { COSwitchPhase } from './types.ts';

type Method = (...args: unknown[]) => Sim<unknown>;

/** Members of every rep that are not methods to mediate. */
const PASSTHROUGH = new Set(['ea', 'myRoot', 'freed', 'cos', 'constructor']);

/** K42's per-cluster `Data`: the phase and call count one mediator rep uses. */
export class MediatorData {
  phase: COSwitchPhase;
  /** Calls in flight through this VP's mediator (K42 callCount). */
  callCount = 0;
  /** Counted in the root's `numMediatorsWithInFlightCalls`. */
  counted = false;
  /** `switchPhaseLock` word; the call count lives on the same line. */
  readonly lockEA: number;
  /** Created with the first mediator rep on this VP. */
  rep: CObjRepMediator | null = null;
  hasWorker = false;

  constructor(
    readonly root: CObjRootMediator,
    readonly vp: number,
    phase: COSwitchPhase,
  ) {
    this.phase = phase;
    this.lockEA = root.cos.hw.allocLine();
  }

  /**
   * End of FORWARD for this VP (`genCountNotification`): phase goes to
   * BLOCK, and the mediator is counted if calls are still in flight.
   */
  *genCountNotification(): Sim<void> {
    const hw = this.root.cos.hw;
    yield* hw.spinLock(this.lockEA);
    this.phase = 'block';
    if (this.callCount > 0) {
      this.counted = true;
      this.root.numMediatorsWithInFlightCalls++;
    }
    yield* hw.spinUnlock(this.lockEA);
  }

  /** `unblockThreads`: phase COMPLETED, then release every blocked thread. */
  *unblockThreads(): Sim<void> {
    this.phase = 'completed';
    if (this.rep) yield* this.rep.releaseBlocked();
  }
}

export class CObjRepMediator extends CObjRep {
  readonly table: MediatedThreadTable;
  private readonly blockedWQ: WaitQueue;
  /** What the LTE points at: this rep behind its trampolines. */
  readonly proxy: CObjRepMediator;
  private readonly trampolines = new Map<string, Method>();
  /** Cycles of a trampoline: save the return address and r31, branch. */
  private readonly trampolineCycles: number;

  constructor(
    readonly medRoot: CObjRootMediator,
    readonly data: MediatorData,
    readonly oldRep: object,
  ) {
    super(medRoot);
    const hw = medRoot.cos.hw;
    this.table = new MediatedThreadTable(hw);
    this.blockedWQ = hw.engine.waitQueue(`k42 mediator ${medRoot.trackName} vp${data.vp}`);
    this.trampolineCycles = 4 * hw.costs.storeHit + 6 * hw.costs.alu;
    data.rep = this;
    const self = this;
    this.proxy = new Proxy(this, {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && !PASSTHROUGH.has(prop)) {
          const m = (self.oldRep as Record<string, unknown>)[prop];
          if (typeof m === 'function') return self.trampoline(prop);
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    medRoot.cos.ott.rebind(this.ea, this.proxy);
  }

  private trampoline(name: string): Method {
    let f = this.trampolines.get(name);
    if (!f) {
      f = (...args: unknown[]) => this.mediate(name, args);
      this.trampolines.set(name, f);
    }
    return f;
  }

  /** `mediateForwardProlog` and what follows it. */
  private *mediate(name: string, args: unknown[]): Sim<unknown> {
    const root = this.medRoot;
    const hw = root.cos.hw;
    const d = this.data;
    const t = hw.engine.current!;
    yield this.trampolineCycles;
    yield* hw.spinLock(d.lockEA);
    if (d.phase === 'forward') {
      d.callCount++;
      yield* hw.spinUnlock(d.lockEA);
      return yield* this.forward(t, name, args, false);
    }
    yield* hw.spinUnlock(d.lockEA);
    if (d.phase === 'block') {
      const e = yield* this.table.addBlocked(t, hw.engine.now);
      if (yield* this.table.queryThreadExists(t)) {
        yield* this.table.removeBlocked(e);
        yield* hw.spinLock(d.lockEA);
        d.callCount++;
        yield* hw.spinUnlock(d.lockEA);
        return yield* this.forward(t, name, args, true);
      }
      // the phase may have completed while we queued: unblockThreads sets
      // the phase before it walks the lists, so re-checking closes the race
      if ((d.phase as COSwitchPhase) === 'completed') {
        yield* this.table.removeBlocked(e);
      } else {
        root.noteBlocked(t, name);
        while (!e.released) yield* block(this.blockedWQ);
        root.noteResumed(t, name, hw.engine.now - e.since);
      }
    }
    const newRep = (yield* root.newRoot.handleMiss(root.myRef, hw.vp)) as unknown as Record<string, Method>;
    return yield* newRep[name]!(...args);
  }

  /** Call the old rep with the thread recorded; the epilog uncounts it. */
  private *forward(t: SimThread, name: string, args: unknown[], recursive: boolean): Sim<unknown> {
    const root = this.medRoot;
    yield* this.table.pushThreadData(t);
    root.noteForwarded(t, name, recursive);
    try {
      return yield* (this.oldRep as Record<string, Method>)[name]!(...args);
    } finally {
      yield* this.table.popThreadData(t);
      yield* this.forwardEpilog();
    }
  }

  /** Uncount a forwarded call; the last one after BLOCK began may end the block phase. */
  private *forwardEpilog(): Sim<void> {
    const hw = this.medRoot.cos.hw;
    const d = this.data;
    yield* hw.spinLock(d.lockEA);
    d.callCount--;
    const drained = d.callCount === 0 && d.counted;
    if (drained) d.counted = false;
    yield* hw.spinUnlock(d.lockEA);
    if (drained) yield* this.medRoot.mediatorDrained();
  }

  /** Release every blocked thread (called once the phase is COMPLETED). */
  *releaseBlocked(): Sim<void> {
    const released = yield* this.table.releaseAll();
    if (released.length > 0) this.blockedWQ.wakeAll();
  }
}
