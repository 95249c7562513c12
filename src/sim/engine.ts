/**
 * The discrete-event engine: per-CPU clocks and run queues, an event queue
 * ordered by (time, seq), simulated threads as generators, timers, interrupts,
 * run limits and deadlock detection.
 *
 * Scheduling model. Each CPU has its own clock. The engine always advances the
 * CPU whose clock is lowest (its step event is the earliest in the heap), so
 * every shared-memory access in the machine layer happens in global time
 * order. A step resumes one thread until it yields one effect; while the CPU
 * is still the earliest thing in the heap it keeps going without touching the
 * heap (the fast path that makes sweeps cheap).
 *
 * Threads are pinned to the CPU they were spawned on (round-robin by default);
 * there is no load balancing. A thread runs until it blocks, sleeps or yields,
 * or until its quantum is used up while others wait on the same CPU. Optional
 * seeded perturbation adds preemption points and small delays at effect
 * boundaries to explore interleavings. All of this is deterministic: the
 * same configuration and seed produce the same trace.
 */
import type { Effect, Sim, WakeReason } from './effects.ts';
import { EventHeap, type SimEvent } from './heap.ts';
import { Prng } from './prng.ts';
import { SimThread } from './thread.ts';
import { WaitQueue } from './waitqueue.ts';
import { TraceRecorder } from './trace.ts';
import {
  DeadlockError,
  InterruptContextError,
  SimError,
  ThreadCrashError,
  ThreadKilled,
  type BlockedThreadInfo,
} from './errors.ts';

/** Costs the scheduler charges, in cycles; the machine layer supplies them. */
export interface SchedCosts {
  /** Switching a CPU to a different thread (or from idle). */
  contextSwitch: number;
  /** Entering and leaving an interrupt handler. */
  irqEntry: number;
  irqExit: number;
  /** Time slice before a thread is preempted in favour of a waiting one. */
  quantum: number;
  /** One atomic read-modify-write, used by the sim-level locks. */
  atomic: number;
  /** One iteration of a spinlock's wait loop. */
  spinIteration: number;
}

export const DEFAULT_SCHED_COSTS: SchedCosts = {
  contextSwitch: 2000,
  irqEntry: 400,
  irqExit: 200,
  quantum: 2_000_000,
  atomic: 40,
  spinIteration: 20,
};

export interface PerturbConfig {
  /** Probability, at each effect boundary, of an extra preemption point. */
  preemptProbability: number;
  /** With no other ready thread, the preemption point becomes a delay up to this many cycles. */
  maxDelayCycles: number;
}

export interface EngineConfig {
  cpus: number;
  seed?: number;
  costs?: Partial<SchedCosts>;
  /** Core clock in cycles per microsecond (for trace export). Default 1000 (1 GHz). */
  cyclesPerUs?: number;
  perturb?: PerturbConfig | null;
  /** Record a trace; `calls` also records every module call enter/exit. */
  trace?: boolean | { calls?: boolean };
}

export interface RunLimits {
  /** Stop before processing any event later than this cycle. */
  maxTime?: number;
  /** Stop after this many events (steps) in this call. */
  maxEvents?: number;
}

export interface RunResult {
  /** 'paused': a thread yielded `pauseRun()`; call run() again to go on. */
  reason: 'idle' | 'time-limit' | 'event-limit' | 'paused';
  time: number;
  events: number;
}

export interface SpawnOptions {
  cpu?: number;
  daemon?: boolean;
  /** The thread's entry function is text of `module` (a module-owned thread): its call chain starts there. */
  text?: { module: string; fn: string };
}

/** Per-CPU scheduler state. */
export class CpuState {
  now = 0;
  current: SimThread | null = null;
  /** Interrupt handlers being served, innermost last. */
  readonly irqStack: SimThread[] = [];
  readonly runq: SimThread[] = [];
  sliceStart = 0;
  /** True while the engine is inside this CPU's step loop. */
  active = false;
  busyCycles = 0;
  readonly event: SimEvent;

  constructor(
    readonly index: number,
    engine: Engine,
  ) {
    this.event = {
      time: 0,
      seq: 0,
      cancelled: false,
      queued: false,
      fire: () => engine.stepCpu(this),
    };
  }
}

export class Engine {
  readonly cpus: CpuState[];
  readonly rng: Prng;
  readonly costs: SchedCosts;
  readonly cyclesPerUs: number;
  readonly trace: TraceRecorder | null;
  /** Time of the step or event being processed. */
  now = 0;
  /** Thread (or interrupt context) whose code is running; null between steps. */
  current: SimThread | null = null;
  /** CPU of the running code (valid during a step). */
  currentCpu = 0;
  /** Steps and timed events processed since creation. */
  events = 0;
  /** Context switches performed. */
  switches = 0;
  private readonly heap = new EventHeap();
  private readonly allThreads: SimThread[] = [];
  private nextTid = 1;
  private nextSpawnCpu = 0;
  private perturb: PerturbConfig | null;
  private stopAt = Infinity;
  private eventBudget = Infinity;
  /** The CPU whose thread yielded `pauseRun()`: the next run() continues it first. */
  private pausedCpu: CpuState | null = null;

  constructor(config: EngineConfig) {
    if (!Number.isInteger(config.cpus) || config.cpus < 1) {
      throw new SimError(`Engine: cpus must be a positive integer, got ${config.cpus}`);
    }
    this.cpus = Array.from({ length: config.cpus }, (_, i) => new CpuState(i, this));
    this.rng = new Prng(config.seed ?? 1);
    this.costs = { ...DEFAULT_SCHED_COSTS, ...config.costs };
    this.cyclesPerUs = config.cyclesPerUs ?? 1000;
    this.perturb = config.perturb ?? null;
    const tr = config.trace;
    this.trace = tr ? new TraceRecorder({ calls: typeof tr === 'object' ? (tr.calls ?? false) : false }) : null;
  }

  // ---- threads -----------------------------------------------------------

  /** Create a thread running `body()` on `opts.cpu` (round-robin by default). */
  spawn<T>(name: string, body: () => Sim<T>, opts: SpawnOptions = {}): SimThread {
    const cpu = opts.cpu ?? this.nextSpawnCpu++ % this.cpus.length;
    if (cpu < 0 || cpu >= this.cpus.length) throw new SimError(`spawn ${name}: no cpu ${cpu}`);
    const t = new SimThread(this, this.nextTid++, name, cpu, body(), false, opts.daemon ?? false);
    // a module-owned thread: its entry function is module text (text.ts)
    if (opts.text) t.frames.push({ module: opts.text.module, fn: opts.text.fn });
    this.allThreads.push(t);
    const at = this.current ? this.now : Math.max(this.now, this.cpus[cpu]!.now);
    t.startTime = at;
    this.trace?.threadStart(at, cpu, t.id, name);
    this.makeReady(t, at);
    return t;
  }

  /** Every thread ever spawned (not interrupt contexts), in creation order. */
  threads(): readonly SimThread[] {
    return this.allThreads;
  }

  /** Ground truth: live threads with a frame of `module` on their stack. */
  threadsInside(module: string): SimThread[] {
    const out: SimThread[] = [];
    for (const t of this.allThreads) if (!t.done && t.frameIn(module)) out.push(t);
    for (const c of this.cpus) for (const h of c.irqStack) if (h.frameIn(module)) out.push(h);
    for (const h of this.deferred) if (h.frameIn(module)) out.push(h);
    return out;
  }

  /** Observers of module entries (`watchFrames`); pushFrame calls each. */
  readonly frameWatchers = new Set<(t: SimThread, module: string, fn: string) => void>();

  /**
   * Ground-truth observer of module entries: `fn` is called on every frame
   * push (thread.ts `pushFrame`) until the returned function is called.
   * Oracles only (the live-update manager's continuous quiescence check,
   * tests, which release served an operation); no mechanism may use it.
   */
  watchFrames(fn: (t: SimThread, module: string, fn: string) => void): () => void {
    this.frameWatchers.add(fn);
    return () => {
      this.frameWatchers.delete(fn);
    };
  }

  /** Interrupt contexts parked on a softirq queue (softirq.ts). */
  private readonly deferred = new Set<SimThread>();

  /** A parked interrupt context runs again on its CPU, in interrupt context (SoftirqQueue.raise). */
  resumeDeferred(h: SimThread): void {
    if (!this.deferred.delete(h)) throw new SimError(`resumeDeferred: t${h.id} ${h.name} is not deferred`);
    const c = this.cpus[h.cpu]!;
    h.state = 'running';
    c.irqStack.push(h);
    this.trace?.irq(Math.max(c.now, this.now), h.cpu, h.name, true);
    this.kick(c, this.now);
  }

  /** Wait until `t` has finished; returns its result. */
  *join(t: SimThread): Sim<unknown> {
    while (!t.done) {
      const me = this.current;
      if (!me) throw new SimError('join outside a thread');
      if (!t.joiners) t.joiners = [];
      t.joiners.push(me);
      yield { kind: 'block', wq: this.joinQueue(t) };
    }
    return t.result;
  }

  private joinQueues = new WeakMap<SimThread, WaitQueue>();
  private joinQueue(t: SimThread): WaitQueue {
    let q = this.joinQueues.get(t);
    if (!q) {
      q = new WaitQueue(this, `join t${t.id} "${t.name}"`);
      this.joinQueues.set(t, q);
    }
    return q;
  }

  /** Create a wait queue bound to this engine. */
  waitQueue(name: string): WaitQueue {
    return new WaitQueue(this, name);
  }

  /**
   * Kill `t`: `ThreadKilled` is thrown into it at its next resumption (at
   * once if it is blocked or sleeping), so its finally blocks run.
   */
  kill(t: SimThread): void {
    if (t.done || t.killed) return;
    t.killed = true;
    t.pendingThrow = new ThreadKilled(t.id);
    if (t.state === 'blocked' || t.state === 'sleeping') {
      t.waitingOn?.remove(t);
      this.trace?.wake(this.now, t.cpu, t.id, 'killed');
      this.resume(t, undefined);
    }
  }

  /** Make a blocked or sleeping thread ready (used by wait queues and timers). */
  wake(t: SimThread, reason: WakeReason): void {
    if (t.state !== 'blocked' && t.state !== 'sleeping') return;
    this.trace?.wake(this.now, t.cpu, t.id, reason);
    this.resume(t, reason);
  }

  private resume(t: SimThread, value: unknown): void {
    if (t.timer) {
      t.timer.cancelled = true;
      t.timer = null;
    }
    t.waitingOn = null;
    t.resumeValue = value;
    this.makeReady(t, this.now);
  }

  private makeReady(t: SimThread, at: number): void {
    t.state = 'ready';
    const cpu = this.cpus[t.cpu]!;
    cpu.runq.push(t);
    this.kick(cpu, at);
  }

  /** Make sure an idle CPU gets a step event no earlier than `at`. */
  private kick(cpu: CpuState, at: number): void {
    if (cpu.active || cpu.event.queued) return;
    if (cpu.now < at) cpu.now = at;
    this.heap.push(cpu.event, cpu.now);
  }

  // ---- timers and interrupts ---------------------------------------------

  /** Run `fn` (engine context, not a thread) `cycles` after now. */
  after(cycles: number, fn: () => void): SimEvent {
    const ev: SimEvent = { time: 0, seq: 0, cancelled: false, queued: false, fire: fn };
    this.heap.push(ev, this.now + Math.max(0, cycles));
    return ev;
  }

  /**
   * Deliver an interrupt to `cpu` at cycle `at` (or as soon as the CPU
   * reaches it): `handler` runs in interrupt context, before any thread of
   * that CPU resumes, and must not block.
   */
  interrupt(cpu: number, at: number, name: string, handler: () => Sim<void>): void {
    const c = this.cpus[cpu];
    if (!c) throw new SimError(`interrupt ${name}: no cpu ${cpu}`);
    const ev: SimEvent = {
      time: 0,
      seq: 0,
      cancelled: false,
      queued: false,
      fire: () => {
        // The entry cost is the handler's first compute, so it is charged on
        // the CPU's own clock when the handler runs (never ahead of the heap).
        const entry = this.costs.irqEntry;
        const body = function* (): Sim<void> {
          if (entry > 0) yield entry;
          yield* handler();
        };
        const h = new SimThread(this, this.nextTid++, name, cpu, body(), true, false);
        h.state = 'running';
        c.irqStack.push(h);
        this.trace?.irq(Math.max(c.now, this.now), cpu, name, true);
        this.kick(c, this.now);
      },
    };
    this.heap.push(ev, Math.max(at, this.now));
  }

  /** True when the running code is an interrupt handler. */
  get inInterrupt(): boolean {
    return this.current?.isInterrupt ?? false;
  }

  // ---- running -----------------------------------------------------------

  run(limits: RunLimits = {}): RunResult {
    this.stopAt = limits.maxTime ?? Infinity;
    const start = this.events;
    this.eventBudget = limits.maxEvents === undefined ? Infinity : start + limits.maxEvents;
    const paused = this.pausedCpu;
    if (paused) {
      // go on inside the event that paused, before anything else in the heap
      this.pausedCpu = null;
      this.stepCpu(paused);
      if (this.pausedCpu) return { reason: 'paused', time: this.now, events: this.events - start };
    }
    for (;;) {
      if (this.events >= this.eventBudget) return { reason: 'event-limit', time: this.now, events: this.events - start };
      const t = this.heap.peekTime();
      if (t === Infinity) break;
      if (t > this.stopAt) return { reason: 'time-limit', time: this.now, events: this.events - start };
      const ev = this.heap.pop()!;
      if (ev.time > this.now) this.now = ev.time;
      this.current = null;
      ev.fire();
      this.events++;
      if (this.pausedCpu) return { reason: 'paused', time: this.now, events: this.events - start };
    }
    this.current = null;
    const blocked = this.blockedThreads().filter((b) => !this.allThreads.find((t) => t.id === b.tid)?.daemon);
    if (blocked.length > 0) throw new DeadlockError(this.now, blocked);
    return { reason: 'idle', time: this.now, events: this.events - start };
  }

  /** Threads blocked or ready but not finished, with what they wait on. */
  blockedThreads(): BlockedThreadInfo[] {
    const out: BlockedThreadInfo[] = [];
    for (const t of this.allThreads) {
      if (t.state === 'blocked') out.push({ tid: t.id, name: t.name, cpu: t.cpu, waitingOn: t.describeWait() });
    }
    for (const h of this.deferred) out.push({ tid: h.id, name: h.name, cpu: h.cpu, waitingOn: h.describeWait() });
    return out;
  }

  /** Latest CPU clock: the makespan of the run so far. */
  get makespan(): number {
    let m = this.now;
    for (const c of this.cpus) if (c.now > m) m = c.now;
    return m;
  }

  /** Advance one CPU (called from its step event). */
  stepCpu(cpu: CpuState): void {
    cpu.active = true;
    try {
      this.stepLoop(cpu);
    } finally {
      cpu.active = false;
      this.current = null;
    }
  }

  private stepLoop(cpu: CpuState): void {
    const costs = this.costs;
    for (;;) {
      let t: SimThread | null | undefined =
        cpu.irqStack.length > 0 ? cpu.irqStack[cpu.irqStack.length - 1] : cpu.current;
      if (!t) {
        t = cpu.runq.shift();
        if (!t) {
          this.trace?.switchTo(cpu.now, cpu.index, -1);
          return; // idle until kicked
        }
        cpu.current = t;
        t.state = 'running';
        cpu.now += costs.contextSwitch;
        cpu.busyCycles += costs.contextSwitch;
        cpu.sliceStart = cpu.now;
        this.switches++;
        this.trace?.switchTo(cpu.now, cpu.index, t.id);
      }
      this.current = t;
      this.currentCpu = cpu.index;
      this.now = cpu.now;
      let r: IteratorResult<Effect, unknown>;
      try {
        if (t.pendingThrow !== undefined) {
          const e = t.pendingThrow;
          t.pendingThrow = undefined;
          r = t.gen.throw(e);
        } else {
          const v = t.resumeValue;
          t.resumeValue = undefined;
          r = t.gen.next(v);
        }
      } catch (e) {
        this.finish(cpu, t, undefined, e);
        if (!this.continueInline(cpu)) return;
        continue;
      }
      if (r.done) {
        this.finish(cpu, t, r.value, undefined);
      } else {
        const eff = r.value;
        if (typeof eff !== 'number' && eff.kind === 'pause' && !t.isInterrupt) {
          // The thread stays current and the step is left unfinished, not
          // counted and not rescheduled: the next run() re-enters this loop
          // for this CPU before taking any event, so the pause is invisible.
          this.pausedCpu = cpu;
          return;
        }
        if (typeof eff === 'number') {
          cpu.now += eff;
          cpu.busyCycles += eff;
          t.cpuCycles += eff;
        } else if (eff.kind === 'defer') {
          if (!t.isInterrupt) {
            t.pendingThrow = new SimError(`defer to softirq "${eff.queue.name}" outside interrupt context (t${t.id} ${t.name})`);
          } else {
            // the interrupt returns now; the rest of the handler is parked
            cpu.irqStack.pop();
            cpu.now += costs.irqExit;
            t.state = 'deferred';
            this.deferred.add(t);
            eff.queue.park(t);
            this.trace?.irq(cpu.now, cpu.index, t.name, false);
          }
        } else if (t.isInterrupt) {
          t.pendingThrow = new InterruptContextError(eff.kind === 'block' ? `blocking on "${eff.wq.name}"` : eff.kind, t.name);
        } else if (eff.kind === 'block') {
          t.state = 'blocked';
          t.waitingOn = eff.wq;
          eff.wq.enqueue(t);
          cpu.current = null;
          this.trace?.block(cpu.now, cpu.index, t.id, eff.wq.name);
          if (eff.timeout !== undefined) {
            const th = t;
            const wq = eff.wq;
            t.timer = this.after(cpu.now - this.now + eff.timeout, () => {
              th.timer = null;
              if (th.state === 'blocked' && wq.remove(th)) this.wake(th, 'timeout');
            });
          }
        } else if (eff.kind === 'sleep') {
          t.state = 'sleeping';
          cpu.current = null;
          this.trace?.sleep(cpu.now, cpu.index, t.id, cpu.now + eff.cycles);
          const th = t;
          t.timer = this.after(cpu.now - this.now + eff.cycles, () => {
            th.timer = null;
            this.wake(th, 'woken');
          });
        } else if (cpu.runq.length > 0) {
          // yield: to the back of the queue, only if someone else can run
          this.preempt(cpu, t);
        }
        if (cpu.current === t && cpu.irqStack.length === 0) {
          if (cpu.runq.length > 0 && cpu.now - cpu.sliceStart >= costs.quantum) {
            this.preempt(cpu, t);
          } else if (this.perturb && this.rng.chance(this.perturb.preemptProbability)) {
            if (cpu.runq.length > 0) this.preempt(cpu, t);
            else cpu.now += this.rng.int(this.perturb.maxDelayCycles + 1);
          }
        }
      }
      this.events++;
      if (!this.continueInline(cpu)) return;
    }
  }

  private preempt(cpu: CpuState, t: SimThread): void {
    t.state = 'ready';
    cpu.runq.push(t);
    cpu.current = null;
  }

  /** After one step: keep going inline, reschedule in the heap, or go idle. */
  private continueInline(cpu: CpuState): boolean {
    if (cpu.current === null && cpu.runq.length === 0 && cpu.irqStack.length === 0) {
      this.trace?.switchTo(cpu.now, cpu.index, -1);
      return false;
    }
    if (cpu.now < this.heap.peekTime() && cpu.now <= this.stopAt && this.events < this.eventBudget) return true;
    this.heap.push(cpu.event, cpu.now);
    return false;
  }

  private finish(cpu: CpuState, t: SimThread, value: unknown, error: unknown): void {
    t.state = 'done';
    t.endTime = cpu.now;
    t.result = value;
    if (t.isInterrupt) {
      cpu.irqStack.pop();
      cpu.now += this.costs.irqExit;
      this.trace?.irq(cpu.now, cpu.index, t.name, false);
    } else {
      if (cpu.current === t) cpu.current = null;
      this.trace?.threadExit(cpu.now, cpu.index, t.id);
      if (t.joiners) {
        t.joiners = null;
        this.joinQueue(t).wakeAll();
      }
    }
    if (error !== undefined) {
      t.error = error;
      if (!(error instanceof ThreadKilled && t.killed)) throw new ThreadCrashError(t, error);
    }
  }
}
