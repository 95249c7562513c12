/**
 * Instrumentation of a module's exported slots, in two layers.
 *
 * At load, before `init` runs, every function slot of every table the module
 * exports is
 *   1. linked as the module's text (src/sim/text.ts): the engine keeps the
 *      per-thread call chain (frame `NAME@VERSION` / `table.slot`) through
 *      its own call mechanism, for every strategy and at no cost. That
 *      chain is what the stack-walk strategy walks and the engine's ground
 *      truth (the update's oracle) reads; no counter writes it;
 *   2. for the counter strategies only, wrapped by a counting wrapper that
 *      counts the entry and the exit on the module's use counter (charged on
 *      the modelled machine) and keeps the calling thread's depth inside the
 *      module in a per-thread field (so the mediator can recognise a
 *      recursive call). Under `stack-walk` the slot carries no counting and
 *      no depth: a recursive call is recognised by the thread's own call
 *      chain, and only while an update runs.
 * Every strategy's slot checks the update's gate (below). The outer function
 * is the one the update manager restores on rollback.
 *
 * Contract: wrappers may be called from thread or interrupt context; they
 * never block themselves (the counters are lock-free).
 */
import type { Sim } from '../../sim/effects.ts';
import type { Machine } from '../../hw-ppc64/machine.ts';
import type { SimThread } from '../../sim/thread.ts';
import { linkText } from '../../sim/text.ts';
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
  /** Per-thread depth key in thread-local storage (counter strategies). */
  readonly depthKey: symbol;
  /** Whether thread `t` is inside this code now (a recursive call): its depth, or its call chain under stack-walk. */
  isInside(t: SimThread): boolean;
  /** The instrumented function of each slot, by table name then slot name. */
  readonly slots: ReadonlyMap<string, ReadonlyMap<string, SlotFn>>;
  /** Set by the update manager while an update of this code is in progress. */
  gate: Gate | null;
}

const INSTRUMENTED = new WeakMap<Module, Instrumentation>();

export function instrumentationOf(mod: Module): Instrumentation | undefined {
  return INSTRUMENTED.get(mod);
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
  const byChain = !counter.counts;
  const isInside = byChain
    ? (t: SimThread): boolean => t.frameIn(label) !== undefined
    : (t: SimThread): boolean => ((t.tls.get(depthKey) as number | undefined) ?? 0) > 0;
  const ins: Instrumentation = { module: mod, label, strategy, counter, depthKey, isInside, slots, gate: null };
  // Updating the per-thread depth: a load and a store of the thread's own
  // (cache-hot) field. Only the counters keep it.
  const depthCost = counter.counts ? m.costs.l1Hit + m.costs.storeHit : 0;
  for (const t of mod.tables) {
    const rec = t.table as unknown as SlotRecord;
    const per = new Map<string, SlotFn>();
    for (const key of Object.keys(rec)) {
      const fn = rec[key];
      if (typeof fn !== 'function') continue;
      const text = linkText(m.engine, label, `${t.name}.${key}`, fn as SlotFn);
      const w = counter.counts ? wrap(m, ins, depthCost, t.name, key, text) : gated(m, ins, t.name, key, text);
      rec[key] = w;
      per.set(key, w);
    }
    slots.set(t.name, per);
  }
  INSTRUMENTED.set(mod, ins);
  return ins;
}

/** The counting wrapper (counter strategies) around the linked text `fn`. */
function wrap(m: Machine, ins: Instrumentation, depthCost: number, table: string, slot: string, fn: SlotFn): SlotFn {
  const engine = m.engine;
  const { counter, depthKey } = ins;
  return function* instrumented(...args: unknown[]): Sim<unknown> {
    const t = engine.current!;
    const depth = (t.tls.get(depthKey) as number | undefined) ?? 0;
    yield* counter.enter();
    const gate = ins.gate;
    // interrupt context too: the mediator defers it rather than blocking it
    if (gate !== null && gate.diverting && depth === 0 && !gate.passed.has(t)) {
      yield* counter.exit();
      return yield* gate.redispatch(table, slot, args);
    }
    if (depthCost > 0) yield depthCost;
    t.tls.set(depthKey, depth + 1);
    try {
      return yield* fn(...args);
    } finally {
      t.tls.set(depthKey, depth);
      yield* counter.exit();
    }
  };
}

/**
 * No counting (stack-walk, none): the linked text behind the update's gate
 * only. The gate is a pointer test that the model does not charge: it stands
 * for the atomicity a real patch has (the slot is rewritten while every CPU
 * is stopped), which a JavaScript caller holding an old function value
 * across a yield would otherwise escape. Outside an update it costs nothing
 * and touches no shared state.
 */
function gated(m: Machine, ins: Instrumentation, table: string, slot: string, fn: SlotFn): SlotFn {
  const engine = m.engine;
  return function* uncounted(...args: unknown[]): Sim<unknown> {
    const gate = ins.gate;
    if (gate !== null && gate.diverting) {
      const t = engine.current!;
      if (!gate.passed.has(t) && !ins.isInside(t)) return yield* gate.redispatch(table, slot, args);
    }
    return yield* fn(...args);
  };
}
