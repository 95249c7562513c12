/**
 * Module Description: the K42 core's view of the modelled PowerPC machine
 * (src/hw-ppc64): modelled memory in global and processor-specific regions,
 * doubleword loads and stores, K42's synced atomics and a spin lock on a
 * word, all charged by the machine's coherence directory.
 *
 * Everything the K42 core does to shared state goes through here, so the
 * costs that matter (the LTE load of every call, GTE bit transitions, the
 * active-thread counts, mediator counters, table locks) are paid per cache
 * line. Object *contents* (the fields of roots and reps) are plain
 * TypeScript; an object has a modelled address (its header line) so the
 * OTT can hold pointers to it.
 *
 * Every generator here runs on the current CPU and never blocks, so all may
 * be used in interrupt context (the spin lock spins, it does not sleep).
 */
import type { Engine } from '../sim/engine.ts';
import type { Sim } from '../sim/effects.ts';
import type { CostTable } from '../hw-ppc64/costs.ts';
import type { Machine } from '../hw-ppc64/machine.ts';
import { LINE_SIZE } from '../hw-ppc64/memory.ts';
import { compareAndStore, compareAndStoreSynced, fetchAdd, fetchAddSynced } from '../hw-ppc64/atomics.ts';

export class K42Hw {
  readonly engine: Engine;
  readonly ops: Machine;
  readonly costs: CostTable;
  readonly cpus: number;
  /** Core cycles per microsecond (for K42's DelayMicrosecs and its ms timers). */
  readonly cyclesPerUs: number;

  constructor(readonly machine: Machine) {
    this.engine = machine.engine;
    this.ops = machine;
    this.costs = machine.costs;
    this.cpus = machine.cpus;
    this.cyclesPerUs = machine.coreHz / 1e6;
  }

  /** One fresh 128-byte line of global memory (object headers, lock words). */
  allocLine(): number {
    return this.machine.alloc(LINE_SIZE, { align: LINE_SIZE, name: 'k42' });
  }

  alloc(bytes: number, align = 8): number {
    return this.machine.alloc(bytes, { align, name: 'k42' });
  }

  allocPspecific(bytes: number, align = 8): number {
    return this.machine.allocPspecific(bytes, { align, name: 'k42' });
  }

  /** The CPU running the current code. */
  get vp(): number {
    return this.engine.currentCpu;
  }

  // ---- charged operations (current thread, current CPU) -------------------

  load(ea: number): Sim<number> {
    return this.ops.load64(ea);
  }

  store(ea: number, v: number): Sim<void> {
    return this.ops.store64(ea, v);
  }

  /** Plain ldarx/stdcx. fetch-and-add; returns the old value. */
  fetchAdd(ea: number, delta: number): Sim<number> {
    return fetchAdd(this.ops, ea, delta);
  }

  /** K42 FetchAndAdd64Synced. */
  fetchAddSynced(ea: number, delta: number): Sim<number> {
    return fetchAddSynced(this.ops, ea, delta);
  }

  compareAndStore(ea: number, expected: number, value: number): Sim<boolean> {
    return compareAndStore(this.ops, ea, expected, value);
  }

  /** K42 CompareAndStore64Synced: every GTE bit transition uses it. */
  compareAndStoreSynced(ea: number, expected: number, value: number): Sim<boolean> {
    return compareAndStoreSynced(this.ops, ea, expected, value);
  }

  /** One iteration of a wait loop (load, compare, branch). */
  spin(): number {
    return this.costs.spinIteration;
  }

  /**
   * Acquire a spin lock held in the word at `ea` (0 free, 1 held): test,
   * then compare-and-store, then isync (K42's SyncAfterAcquire).
   */
  *spinLock(ea: number): Sim<void> {
    for (;;) {
      const v = yield* this.ops.load64(ea);
      if (v === 0 && (yield* compareAndStore(this.ops, ea, 0, 1))) break;
      yield this.costs.spinIteration;
    }
    yield* this.ops.isync();
  }

  /** Release: sync (K42's SyncBeforeRelease), then store 0. */
  *spinUnlock(ea: number): Sim<void> {
    yield* this.ops.sync();
    yield* this.ops.store64(ea, 0);
  }

  // ---- setup and inspection (no cost, no coherence effect) ----------------

  peek(ea: number, cpu = 0): number {
    return this.ops.peek64(ea, cpu);
  }

  poke(ea: number, v: number, cpu = 0): void {
    this.ops.poke64(ea, v, cpu);
  }
}
