/**
 * Use-counting instrumentation of a module's exported slots.
 *
 * At load, before `init` runs, every function slot of every table the module
 * exports is replaced by a wrapper that
 *   - counts the entry and the exit on the module's use counter (strategy
 *     dependent, charged on the modelled machine),
 *   - keeps the calling thread's depth inside the module in a per-thread
 *     field (so the mediator can recognise a recursive call and let it pass),
 *   - pushes a ground-truth frame `NAME@VERSION` / `table.slot` on the
 *     engine's per-thread stack: the oracle tests use to check that
 *     quiescence was real, and what the stack-walk strategy walks.
 * The wrapper is the function the update manager restores on rollback.
 *
 * Contract: wrappers may be called from thread or interrupt context; they
 * never block themselves (the counters are lock-free).
 */
import type { Sim } from '../../sim/effects.ts';
import type { Machine } from '../../hw-ppc64/machine.ts';
import type { Module } from '../core/module.ts';
import { makeUseCounter, type QuiescenceStrategy, type UseCounter } from './usecount.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SlotFn = (...args: any[]) => Sim<unknown>;

/** A table as a record of slots (function slots and data such as `owner`). */
export type SlotRecord = Record<string, unknown>;

/**
 * The mediator as the instrumented code sees it. A call that read a slot
 * before it was patched reaches the old code directly; the wrapper counts it
 * and then checks the gate (increment first, check second, so the update
 * manager either sees the count or the caller sees the gate closed), and if
 * the gate is closed to it, backs out and waits at the mediator instead.
 * Once the update has redirected, the gate stays in place for good: a
 * straggler whose increment completed only after the manager's last check
 * is sent on to the new code rather than run the old.
 */
export interface Gate {
  /** Calls must not run the old code now (blocking, or redirected to the new). */
  readonly diverting: boolean;
  /** Threads the mediator let through while blocking (lock holders). */
  readonly passed: ReadonlySet<unknown>;
  redispatch(table: string, slot: string, args: unknown[]): Sim<unknown>;
}

export interface Instrumentation {
  readonly module: Module;
  /** Frame label: `name@version`, distinct for old and new code of one module. */
  readonly label: string;
  readonly strategy: QuiescenceStrategy;
  readonly counter: UseCounter;
  /** Per-thread depth key in thread-local storage. */
  readonly depthKey: symbol;
  /** The instrumented function of each slot, by table name then slot name. */
  readonly slots: ReadonlyMap<string, ReadonlyMap<string, SlotFn>>;
  /** Set by the update manager while an update of this code is in progress. */
  gate: Gate | null;
}

const INSTRUMENTED = new WeakMap<Module, Instrumentation>();

export function instrumentationOf(mod: Module): Instrumentation | undefined {
  return INSTRUMENTED.get(mod);
}

/** Depth of the current thread inside the module `ins` describes. */
export function depthIn(ins: Instrumentation, m: Machine): number {
  const t = m.engine.current;
  return t ? ((t.tls.get(ins.depthKey) as number | undefined) ?? 0) : 0;
}

/**
 * Wrap every function slot of `mod`'s tables. Called once per loaded module,
 * after `instantiate` and before `init`.
 */
export function instrumentModule(mod: Module, m: Machine, strategy: QuiescenceStrategy): Instrumentation {
  const existing = INSTRUMENTED.get(mod);
  if (existing) return existing;
  const label = `${mod.name}@${mod.version}`;
  const counter = makeUseCounter(strategy, m, label);
  const depthKey = Symbol(`${label}.depth`);
  const slots = new Map<string, Map<string, SlotFn>>();
  const ins: Instrumentation = { module: mod, label, strategy, counter, depthKey, slots, gate: null };
  // Updating the per-thread depth: a load and a store of the thread's own
  // (cache-hot) field. The 'none' baseline does not track depth at all.
  const depthCost = strategy === 'none' ? 0 : m.costs.l1Hit + m.costs.storeHit;
  for (const t of mod.tables) {
    const rec = t.table as unknown as SlotRecord;
    const per = new Map<string, SlotFn>();
    for (const key of Object.keys(rec)) {
      const fn = rec[key];
      if (typeof fn !== 'function') continue;
      const w = wrap(m, ins, depthCost, t.name, key, fn as SlotFn);
      rec[key] = w;
      per.set(key, w);
    }
    slots.set(t.name, per);
  }
  INSTRUMENTED.set(mod, ins);
  return ins;
}

function wrap(m: Machine, ins: Instrumentation, depthCost: number, table: string, slot: string, fn: SlotFn): SlotFn {
  const engine = m.engine;
  const { counter, depthKey, label } = ins;
  const counts = counter.counts;
  const fnLabel = `${table}.${slot}`;
  return function* instrumented(...args: unknown[]): Sim<unknown> {
    const t = engine.current!;
    const depth = (t.tls.get(depthKey) as number | undefined) ?? 0;
    if (counts) yield* counter.enter();
    const gate = ins.gate;
    // interrupt context too: the mediator defers it rather than blocking it
    if (gate !== null && gate.diverting && depth === 0 && !gate.passed.has(t)) {
      if (counts) yield* counter.exit();
      return yield* gate.redispatch(table, slot, args);
    }
    if (depthCost > 0) yield depthCost;
    t.tls.set(depthKey, depth + 1);
    t.pushFrame(label, fnLabel);
    try {
      return yield* fn(...args);
    } finally {
      t.popFrame(label);
      t.tls.set(depthKey, depth);
      if (counts) yield* counter.exit();
    }
  };
}
