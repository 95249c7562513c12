/**
 * Deferred interrupt work (Linux softirqs/tasklets): an interrupt handler
 * that reaches work it may not do now (here: a call into a module whose code
 * is being replaced) defers the rest of itself to a `SoftirqQueue` and the
 * interrupt returns at once. The queue keeps the parked handlers per CPU;
 * `raise()` runs them again, each on its own CPU and in interrupt context,
 * before any thread of that CPU resumes (as `do_softirq` on irq exit does).
 *
 * Fidelity: Linux splits a handler into top and bottom half in the driver's
 * source; the engine splits it at the point of the deferral (a generator
 * suspended there), which keeps the call's result for the rest of the
 * handler. The deferred part still may not block, sleep or yield.
 */
import type { Engine } from './engine.ts';
import type { Sim } from './effects.ts';
import type { SimThread } from './thread.ts';

export class SoftirqQueue {
  /** Parked interrupt contexts, per CPU, in arrival order. */
  private readonly parked: SimThread[][];

  constructor(
    readonly engine: Engine,
    readonly name: string,
  ) {
    this.parked = engine.cpus.map(() => []);
  }

  /** Parked handlers on every CPU. */
  get length(): number {
    let n = 0;
    for (const p of this.parked) n += p.length;
    return n;
  }

  /** Called by the engine when an interrupt context defers itself here. */
  park(h: SimThread): void {
    this.parked[h.cpu]!.push(h);
  }

  /** Run every parked handler again, on its own CPU; returns how many. May be called from any context. */
  raise(): number {
    let n = 0;
    for (const list of this.parked) {
      for (const h of list.splice(0, list.length)) {
        this.engine.resumeDeferred(h);
        n++;
      }
    }
    return n;
  }
}

/**
 * Defer the rest of the running interrupt handler to `q` (interrupt context
 * only): the interrupt returns now; the handler continues here when `q` is
 * raised.
 */
export function* deferToSoftirq(q: SoftirqQueue): Sim<void> {
  yield { kind: 'defer', queue: q };
}
