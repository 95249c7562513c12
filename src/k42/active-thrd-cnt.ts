/**
 * Module Description: per-VP active-thread counts in two generations, VP
 * generation counts and thread markers, after K42
 * lib/libc/cobj/sys/ActiveThrdCnt.{H,C}, the advance/activate paths of
 * lib/libc/scheduler/arch/powerpc/DispatcherDefaultAsm.S and
 * `updateTheGen`/`setVPThreadMarker` in sys/COSMgrObject.C.
 *
 * Layout: one line of processor-specific memory (`activeThrdCntLocal`),
 * the same address on every CPU, a different line behind it:
 *   +0  genIndexAndActivationCnt: generation index in the top bits, the
 *       activation count below (+2 per activation)
 *   +8  activeCnt[0]  signed count of generation 0 (low bit: "interest")
 *   +16 activeCnt[1]
 *   +24 genCount      generations this VP has completed
 *
 * A thread `activate()`s on its VP (fetch-and-add +2 on the combined word;
 * it remembers `&activeCnt[index]` as `activeCntP`) and `deactivate()`s
 * (fetch-and-add −2 on that slot). `advance()` moves the VP to the other
 * generation if every thread of that generation (two back) has deactivated,
 * folding the activations of the ending generation into its slot.
 *
 * Markers: a VP thread marker is `genCount` at time T; it has ELAPSED once
 * `genCount - marker >= 2`: "two generations must pass to ensure all threads
 * with respect to a given starting generation have terminated". Threads
 * activated once the VP has moved on to the next generation do not hold it
 * back (one activated after T but still in T's generation does).
 *
 * K42 request threads (PPC server threads, scheduled functions) are short
 * and activate/deactivate around each request: `spawnRequest` runs a body
 * that way. A thread that will block for long deactivates first.
 *
 * Contracts: all operations act on the *current* CPU's counts and never
 * block. A thread must deactivate on the CPU it activated on (threads do
 * not migrate in the model).
 */
import type { Sim } from '../sim/effects.ts';
import type { SimThread, } from '../sim/thread.ts';
import type { SpawnOptions } from '../sim/engine.ts';
import type { K42Hw } from './hw.ts';

export const NUM_GENERATIONS = 2;
/** Weight of the generation index in the combined word. */
const IDX_UNIT = 2 ** 48;
/** Bias held in the activation count while `advance` folds it (an advance in progress). */
const HUGE = 2 ** 40;
const ACTIVE_CNT_P = Symbol('k42.activeCntP');

export class ActiveThrdCnt {
  /** Address of `activeThrdCntLocal` (processor-specific). */
  readonly ea: number;
  /** Successful and failed advances (all VPs), for reports. */
  advances = 0;
  advanceFailures = 0;

  constructor(private readonly hw: K42Hw) {
    this.ea = hw.allocPspecific(128, 128);
  }

  /** Count the current thread in the current generation of its VP. */
  *activate(): Sim<void> {
    const t = this.hw.engine.current!;
    if (t.tls.has(ACTIVE_CNT_P)) throw new Error(`t${t.id}: activate while already active`);
    const old = yield* this.hw.fetchAdd(this.ea, 2);
    const index = old >= IDX_UNIT ? 1 : 0;
    t.tls.set(ACTIVE_CNT_P, this.ea + 8 + 8 * index);
  }

  /** Stop counting the current thread. */
  *deactivate(): Sim<void> {
    const t = this.hw.engine.current!;
    const p = t.tls.get(ACTIVE_CNT_P) as number | undefined;
    if (p === undefined) throw new Error(`t${t.id}: deactivate while not active`);
    t.tls.delete(ACTIVE_CNT_P);
    const old = yield* this.hw.fetchAdd(p, -2);
    // old == 3: we were the last thread and an advance registered interest;
    // K42's notify path resets the slot so the next advance can proceed.
    if (old === 3) yield* this.hw.compareAndStore(p, 1, 0);
  }

  /** Is thread `t` counted right now? */
  isActive(t: SimThread): boolean {
    return t.tls.has(ACTIVE_CNT_P);
  }

  /**
   * Try to move this VP to the other generation. Fails (and sets the
   * interest bit) while threads of the generation before the current one
   * are still active, or while another advance is folding.
   */
  *advance(): Sim<boolean> {
    const hw = this.hw;
    const w0 = yield* hw.load(this.ea);
    const cur = w0 >= IDX_UNIT ? 1 : 0;
    if (w0 - cur * IDX_UNIT >= HUGE) return false; // another advance is folding
    const next = 1 - cur;
    const slotNext = this.ea + 8 + 8 * next;
    const v = yield* hw.load(slotNext);
    if (v !== 0) {
      if (v === 1) {
        // Only the interest bit is left: no thread of that generation remains
        // (it was set while the slot was transiently negative: a thread that
        // activated during a fold deactivates before the next fold brings its
        // +2 in, so no deactivation ever sees 3). Clear it; advance next time.
        yield* hw.compareAndStore(slotNext, 1, 0);
      } else if (v > 0 && (v & 1) === 0) {
        // threads of that generation are still active: register interest
        yield* hw.compareAndStore(slotNext, v, v + 1);
      }
      this.advanceFailures++;
      return false;
    }
    // swap in the new index with the bias, taking the old activation count
    let old: number;
    for (;;) {
      old = yield* hw.load(this.ea);
      const idx = old >= IDX_UNIT ? 1 : 0;
      if (idx !== cur || old - idx * IDX_UNIT >= HUGE) return false;
      if (yield* hw.compareAndStoreSynced(this.ea, old, next * IDX_UNIT + HUGE)) break;
    }
    yield* hw.fetchAdd(this.ea + 8 + 8 * cur, old - cur * IDX_UNIT);
    yield* hw.fetchAdd(this.ea, -HUGE);
    yield* hw.fetchAdd(this.ea + 24, 1);
    this.advances++;
    return true;
  }

  /** `updateTheGen`: advance up to twice (optimistically). */
  *updateTheGen(): Sim<void> {
    if (yield* this.advance()) yield* this.advance();
  }

  /** `setVPThreadMarker`: this VP's generation count now. */
  *setVPThreadMarker(): Sim<number> {
    return yield* this.hw.load(this.ea + 24);
  }

  /** `updateAndCheckVPThreadMarker`: advance, then is `marker` ELAPSED? */
  *updateAndCheckVPThreadMarker(marker: number): Sim<boolean> {
    yield* this.updateTheGen();
    const g = yield* this.hw.load(this.ea + 24);
    return g - marker >= 2;
  }

  /** `cpu`'s generation count (inspection, no cost). */
  genCount(cpu: number): number {
    return this.hw.peek(this.ea + 24, cpu);
  }

  /** Threads active on `cpu` in generation slot `g` (inspection: folded count + unfolded, /2). */
  peekSlots(cpu: number): { index: number; activations: number; activeCnt: [number, number] } {
    const w = this.hw.peek(this.ea, cpu);
    const index = w >= IDX_UNIT ? 1 : 0;
    return {
      index,
      activations: (w - index * IDX_UNIT) / 2,
      activeCnt: [this.hw.peek(this.ea + 8, cpu), this.hw.peek(this.ea + 16, cpu)],
    };
  }

  /**
   * Spawn a K42 request thread: `body` runs between `activate()` and
   * `deactivate()` on the thread's CPU, as a PPC server thread or a
   * scheduled function does.
   */
  spawnRequest<T>(name: string, body: () => Sim<T>, opts: SpawnOptions = {}): SimThread {
    const self = this;
    return this.hw.engine.spawn(
      name,
      function* (): Sim<T> {
        yield* self.activate();
        try {
          return yield* body();
        } finally {
          if (self.hw.engine.current && self.isActive(self.hw.engine.current)) yield* self.deactivate();
        }
      },
      opts,
    );
  }

  /**
   * Run `body` deactivated (a long-term block: joins, waits for a switch),
   * reactivating afterwards if the thread was active.
   */
  *deactivated<T>(body: () => Sim<T>): Sim<T> {
    const t = this.hw.engine.current!;
    const was = this.isActive(t);
    if (was) yield* this.deactivate();
    try {
      return yield* body();
    } finally {
      if (was) yield* this.activate();
    }
  }
}
