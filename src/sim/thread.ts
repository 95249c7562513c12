/**
 * Simulated threads: a generator coroutine plus scheduling state, thread-local
 * storage and the ground-truth stack of module frames.
 *
 * The frame stack is the engine's knowledge of which module functions each
 * thread is inside. Instrumented code pushes and pops it; tests use it as the
 * oracle for quiescence, and the stack-walk strategy reads it (paying for the
 * walk). Counter- and generation-based mechanisms must never read it.
 */
import type { Effect } from './effects.ts';
import type { Engine } from './engine.ts';
import type { WaitQueue } from './waitqueue.ts';
import type { SimEvent } from './heap.ts';

/** What a thread's held-lock list records (a `Mutex`). */
export interface LockLike {
  readonly name: string;
  /** Threads waiting for this lock, oldest first. */
  waitingThreads(): readonly SimThread[];
}

export type ThreadState = 'ready' | 'running' | 'blocked' | 'sleeping' | 'deferred' | 'done';

/** One entry of the ground-truth stack: module `module` function `fn`. */
export interface ModuleFrame {
  readonly module: string;
  readonly fn: string;
}

export class SimThread {
  state: ThreadState = 'ready';
  /** CPU this thread runs on (threads do not migrate; see README fidelity). */
  cpu: number;
  /** Wait queue while blocked. */
  waitingOn: WaitQueue | null = null;
  /** Value handed to the generator at its next resumption. */
  resumeValue: unknown = undefined;
  /** Pending exception to throw into the generator at its next resumption. */
  pendingThrow: unknown = undefined;
  /** Timer for sleep or block timeout. */
  timer: SimEvent | null = null;
  readonly frames: ModuleFrame[] = [];
  /**
   * Sleeping locks this thread holds (maintained by `Mutex`). Lock ownership
   * is mechanism-visible state, as in Linux (mutex owner, lockdep); the live
   * update mediator reads it to find callers it must not keep blocked.
   */
  readonly heldLocks: LockLike[] = [];
  readonly tls = new Map<string | symbol, unknown>();
  /** Result (or error) once done. */
  result: unknown = undefined;
  error: unknown = undefined;
  /** Threads waiting in `join`. */
  joiners: SimThread[] | null = null;
  startTime = 0;
  endTime = -1;
  /** Cycles this thread spent computing. */
  cpuCycles = 0;
  killed = false;

  constructor(
    readonly engine: Engine,
    readonly id: number,
    readonly name: string,
    cpu: number,
    readonly gen: Generator<Effect, unknown, unknown>,
    /** An interrupt handler context: may not block, sleep or yield. */
    readonly isInterrupt: boolean,
    /** A daemon blocked at the end of a run is not a deadlock. */
    readonly daemon: boolean,
  ) {
    this.cpu = cpu;
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** Enter module function `fn` of `module` (ground truth; no cost). */
  pushFrame(module: string, fn: string): void {
    this.frames.push({ module, fn });
    if (this.engine.frameWatchers.size > 0) for (const w of this.engine.frameWatchers) w(this, module, fn);
    this.engine.trace?.callEnter(this.engine.now, this.cpu, this.id, module, fn);
  }

  /** Leave the innermost frame; it must be `module`. */
  popFrame(module: string): void {
    const f = this.frames.pop();
    if (!f || f.module !== module) {
      throw new Error(`t${this.id}: popFrame(${module}) but top frame is ${f ? f.module + '.' + f.fn : 'empty'}`);
    }
    this.engine.trace?.callExit(this.engine.now, this.cpu, this.id, f.module, f.fn);
  }

  /** Innermost frame of `module`, or undefined if this thread is not inside it. */
  frameIn(module: string): ModuleFrame | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const f = this.frames[i]!;
      if (f.module === module) return f;
    }
    return undefined;
  }

  describeWait(): string {
    if (this.state === 'blocked') return `wait queue "${this.waitingOn?.name ?? '?'}"`;
    if (this.state === 'sleeping') return 'a timer';
    if (this.state === 'deferred') return 'a softirq queue (deferred interrupt work never raised)';
    return this.state;
  }
}
