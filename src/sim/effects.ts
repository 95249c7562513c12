/**
 * Effects a simulated thread can yield to the engine, and the generator type
 * every time-taking function has.
 *
 * Contract (docs/design.md, "The simulation contract"): any function that can take
 * simulated time or block is a generator and is called with `yield*`. Leaf
 * effects are produced with plain `yield`:
 *
 *   - a bare number N: compute for N cycles on the current CPU (the hot path,
 *     so it allocates nothing);
 *   - `{ kind: 'block', wq, timeout? }`: sleep on a wait queue until woken,
 *     killed, or (with a timeout) until the timeout elapses;
 *   - `{ kind: 'sleep', cycles }`: leave the CPU for a fixed time;
 *   - `{ kind: 'yield' }`: go to the back of this CPU's run queue;
 *   - `{ kind: 'defer', queue }` (interrupt context only): the interrupt
 *     returns, the rest of the handler runs when the queue is raised;
 *   - `{ kind: 'pause' }`: stop `Engine.run()` for the host (see `pauseRun`).
 *
 * Blocking, sleeping and yielding are errors in interrupt context; the engine
 * throws `InterruptContextError` into the handler.
 */
import type { WaitQueue } from './waitqueue.ts';
import type { SoftirqQueue } from './softirq.ts';

export interface BlockEffect {
  readonly kind: 'block';
  readonly wq: WaitQueue;
  /** Cycles after which the thread resumes with 'timeout' if nobody woke it. */
  readonly timeout?: number | undefined;
}
export interface SleepEffect {
  readonly kind: 'sleep';
  readonly cycles: number;
}
export interface YieldEffect {
  readonly kind: 'yield';
}
/** Interrupt context only: park the rest of the handler on a softirq queue (softirq.ts). */
export interface DeferEffect {
  readonly kind: 'defer';
  readonly queue: SoftirqQueue;
}
export interface PauseEffect {
  readonly kind: 'pause';
}
export type Effect = number | BlockEffect | SleepEffect | YieldEffect | DeferEffect | PauseEffect;

/** Why a blocked thread resumed. */
export type WakeReason = 'woken' | 'timeout';

/** A simulated computation returning T. */
export type Sim<T = void> = Generator<Effect, T, unknown>;

/** Compute for `cycles` cycles (yield the number directly on hot paths). */
export function* compute(cycles: number): Sim<void> {
  if (cycles > 0) yield cycles;
}

/** Sleep for `cycles` cycles; the CPU runs other threads meanwhile. */
export function* sleep(cycles: number): Sim<void> {
  yield { kind: 'sleep', cycles };
}

/** Give the CPU to the next ready thread on this CPU, if any. */
export function* yieldCpu(): Sim<void> {
  yield YIELD;
}
const YIELD: YieldEffect = { kind: 'yield' };

/**
 * Hand control back to the host: `Engine.run()` returns with reason
 * 'paused' after this step, and this thread goes on, on the same CPU, at the
 * next `run()`. No simulated time passes, nothing is scheduled, traced or
 * counted, and no random number is drawn, so a run paused here and resumed
 * behaves exactly as one that never paused. For a host that must wait for
 * outside input between two steps of a thread (`modswap shell` at a
 * terminal). Not in interrupt context.
 */
export function* pauseRun(): Sim<void> {
  yield PAUSE;
}
const PAUSE: PauseEffect = { kind: 'pause' };

/**
 * Block on `wq` until woken (returns 'woken') or until `timeout` cycles have
 * passed (returns 'timeout'). A killed thread gets `ThreadKilled` thrown here.
 */
export function* block(wq: WaitQueue, timeout?: number): Sim<WakeReason> {
  const reason = yield { kind: 'block', wq, timeout };
  return reason as WakeReason;
}

/** Run a generator to completion outside the engine (only if it never yields). */
export function runSync<T>(g: Sim<T>): T {
  const r = g.next();
  if (!r.done) throw new Error('runSync: computation tried to take simulated time');
  return r.value;
}
