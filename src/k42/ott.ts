/**
 * Module Description: the Object Translation Table: the local (per-CPU) and
 * global tables, reference allocation by VP partition, `DREF` and the miss
 * path. After K42 lib/libc/cobj/sys/COSMgr.H, COSconsts.h, COSMgrObject.C
 * (`GenericDefaultFunc`, `alloc`, `refToVP`), sys/arch/powerpc/defaultFuncs.S
 * and os/kernel/mem/FCMLTransTable.C (`initPage`).
 *
 * Layout. Both tables have the same shape: a pinned part of 512 entries (two
 * 4 KB pages; the first 18 indices are K42's well-known objects) followed by
 * one partition per VP. The local table lives in processor-specific memory,
 * so a `CORef` (the address of an LTE) names a different physical entry on
 * each CPU; the global table is ordinary shared memory at its own base, and
 * `localToGlobal` is base-relative. K42's paged partitions are 2^11 pages
 * each; the model's default is one page (256 entries) per VP so that many
 * CPUs fit in modelled memory (`partitionEntries` changes it).
 *
 * Invocation. `DREF(ref)` is one dependent load: the LTE's word0 (charged
 * through the coherence model), then the caller calls the method on what it
 * got. If word0 points at the entry's own word1 the entry is a default
 * object: the call misses into `GenericDefaultFunc`, which counts itself in
 * the GTE (`mhReadEntry`), asks the GTE's miss handler (the root) for the
 * representative, and returns it (`mhReadExit`). The root decides whether to
 * install the rep in this CPU's LTE. A reference whose entry is free or being
 * destroyed throws `DeletedObjectError` (K42's SERROR(1223)).
 *
 * Contracts: `DREF` and the miss path never block (a root's `handleMiss` may
 * take a spin lock); they may run in interrupt context.
 */
import type { Sim } from '../sim/effects.ts';
import { PAGE_SIZE } from '../hw-ppc64/memory.ts';
import type { K42Hw } from './hw.ts';
import { DEFAULT_VTABLE, GlobalEntryOps, TRANS_ENTRY_SIZE } from './trans-entry.ts';
import { DeletedObjectError, type CORef, asCORef } from './types.ts';
import type { CObjRoot } from './cobj.ts';

export const PINNED_ENTRIES = 512;
export const NUM_RESERVED_ENTRIES = 18;
const ENTRIES_PER_PAGE = PAGE_SIZE / TRANS_ENTRY_SIZE;

export interface OTTOptions {
  /** Entries per VP partition (a multiple of 256). Default 256. */
  partitionEntries?: number;
}

export class OTT {
  readonly partitionEntries: number;
  readonly totalEntries: number;
  /** Base of the local table (processor-specific memory). */
  readonly lBase: number;
  /** Base of the global table (shared memory). */
  readonly gBase: number;
  readonly gte: GlobalEntryOps;
  /** Modelled address -> object (roots, reps, mediators): what word0 points at. */
  private readonly objects = new Map<number, object>();
  private readonly freeLists: number[][];
  private readonly bump: number[];
  private pinnedFree: number[] = [];
  private pinnedBump = NUM_RESERVED_ENTRIES;
  private readonly pageReady: Uint8Array;
  /** Cycles of the default-function stub: save and restore r3-r10 and f1-f13. */
  readonly missStubCycles: number;
  misses = 0;

  constructor(
    readonly hw: K42Hw,
    opts: OTTOptions = {},
  ) {
    const pe = opts.partitionEntries ?? 256;
    if (pe <= 0 || pe % ENTRIES_PER_PAGE !== 0) throw new RangeError(`partitionEntries must be a positive multiple of ${ENTRIES_PER_PAGE}`);
    this.partitionEntries = pe;
    this.totalEntries = PINNED_ENTRIES + pe * hw.cpus;
    this.lBase = hw.allocPspecific(this.totalEntries * TRANS_ENTRY_SIZE, PAGE_SIZE);
    this.gBase = hw.alloc(this.totalEntries * TRANS_ENTRY_SIZE, PAGE_SIZE);
    this.gte = new GlobalEntryOps(hw);
    this.freeLists = Array.from({ length: hw.cpus }, () => []);
    this.bump = new Array<number>(hw.cpus).fill(0);
    this.pageReady = new Uint8Array(this.totalEntries / ENTRIES_PER_PAGE);
    const c = hw.costs;
    this.missStubCycles = 21 * c.storeHit + 21 * c.l1Hit + 10 * c.alu;
  }

  // ---- layout ---------------------------------------------------------------

  indexOf(ref: CORef): number {
    return (ref - this.lBase) / TRANS_ENTRY_SIZE;
  }

  refAt(index: number): CORef {
    return asCORef(this.lBase + index * TRANS_ENTRY_SIZE);
  }

  /** `localToGlobal`: the GTE of a reference. */
  localToGlobal(ref: CORef): number {
    return this.gBase + (ref - this.lBase);
  }

  globalToLocal(gte: number): CORef {
    return asCORef(this.lBase + (gte - this.gBase));
  }

  /** `refToVP`: the VP whose partition holds the entry; pinned entries count as VP 0. */
  refToVP(ref: CORef): number {
    const i = this.indexOf(ref);
    return i < PINNED_ENTRIES ? 0 : Math.floor((i - PINNED_ENTRIES) / this.partitionEntries);
  }

  // ---- objects --------------------------------------------------------------

  /** Give `obj` a modelled address (one header line) and make it reachable from entries. */
  register(obj: object): number {
    const ea = this.hw.allocLine();
    this.objects.set(ea, obj);
    return ea;
  }

  /** Point an existing address at another object (a mediator's trampoline proxy). */
  rebind(ea: number, obj: object): void {
    this.objects.set(ea, obj);
  }

  objectAt(ea: number): object | undefined {
    return this.objects.get(ea);
  }

  // ---- allocation -----------------------------------------------------------

  /**
   * Allocate an entry from `vp`'s partition (or the pinned part), make every
   * CPU's LTE default and point the GTE at `root`. Setup-time: no cost.
   */
  alloc(root: CObjRoot, vp: number, pinned = false): CORef {
    let index: number | undefined;
    if (pinned) {
      index = this.pinnedFree.pop();
      if (index === undefined) {
        if (this.pinnedBump >= PINNED_ENTRIES) throw new RangeError('OTT: pinned part is full');
        index = this.pinnedBump++;
      }
    } else {
      index = this.freeLists[vp]!.pop();
      if (index === undefined) {
        if (this.bump[vp]! >= this.partitionEntries) throw new RangeError(`OTT: partition of VP ${vp} is full`);
        index = PINNED_ENTRIES + vp * this.partitionEntries + this.bump[vp]!++;
      }
    }
    const ref = this.refAt(index);
    this.initPage(index);
    const gte = this.localToGlobal(ref);
    this.hw.poke(gte, root.ea);
    this.hw.poke(gte + 8, 0);
    return ref;
  }

  /** Return an entry to its free list (the GTE is cleared; every LTE must already be default). */
  dealloc(ref: CORef): void {
    const index = this.indexOf(ref);
    const gte = this.localToGlobal(ref);
    this.hw.poke(gte, 0);
    this.hw.poke(gte + 8, 0);
    if (index < PINNED_ENTRIES) this.pinnedFree.push(index);
    else this.freeLists[this.refToVP(ref)]!.push(index);
  }

  /**
   * `FCMLTransTable::initPage`: a fresh local-table page is filled with
   * default entries, on every CPU. Done when a page first holds an entry
   * (K42 does it on the page fault of first touch; faults are not modelled).
   */
  private initPage(index: number): void {
    const page = Math.floor(index / ENTRIES_PER_PAGE);
    if (this.pageReady[page]) return;
    this.pageReady[page] = 1;
    for (let i = page * ENTRIES_PER_PAGE; i < (page + 1) * ENTRIES_PER_PAGE; i++) {
      const lte = this.lBase + i * TRANS_ENTRY_SIZE;
      for (let cpu = 0; cpu < this.hw.cpus; cpu++) {
        this.hw.poke(lte, lte + 8, cpu);
        this.hw.poke(lte + 8, DEFAULT_VTABLE, cpu);
      }
    }
  }

  // ---- the local entry (current CPU) ----------------------------------------

  /** `lte->setCO(rep)`: install `ea` in this CPU's LTE (a store). */
  *setCO(ref: CORef, ea: number): Sim<void> {
    yield* this.hw.store(ref, ea);
  }

  /** `setToDefault`: reset this CPU's LTE so the next call misses. */
  *resetLocalEntry(ref: CORef): Sim<void> {
    yield* this.hw.store(ref, ref + 8);
  }

  /** Is `cpu`'s LTE in the default state? (inspection, no cost) */
  isDefault(ref: CORef, cpu: number): boolean {
    return this.hw.peek(ref, cpu) === ref + 8;
  }

  /** What `cpu`'s LTE points at (inspection, no cost). */
  installedOn(ref: CORef, cpu: number): object | undefined {
    const co = this.hw.peek(ref, cpu);
    return co === ref + 8 ? undefined : this.objects.get(co);
  }

  /** The GTE's miss handler (inspection, no cost). */
  missHandlerOf(ref: CORef): CObjRoot | undefined {
    return this.objects.get(this.hw.peek(this.localToGlobal(ref))) as CObjRoot | undefined;
  }

  // ---- invocation -------------------------------------------------------------

  /**
   * `DREF(ref)`: load this CPU's LTE and yield the object to call. The hot
   * path is the one load; a default entry takes the miss path.
   */
  *DREF<T>(ref: CORef<T>): Sim<T> {
    const co = yield* this.hw.load(ref);
    if (co !== ref + 8) return this.objects.get(co) as T;
    return (yield* this.genericDefaultFunc(ref)) as T;
  }

  /**
   * `GenericDefaultFunc`: the miss path behind every default-vtable slot.
   * Counts itself in the GTE so a switch or destroy waits for it.
   */
  *genericDefaultFunc(ref: CORef): Sim<unknown> {
    this.misses++;
    yield this.missStubCycles;
    const gte = this.localToGlobal(ref);
    if (!(yield* this.gte.mhReadEntry(gte))) throw new DeletedObjectError(ref);
    try {
      const mh = this.objects.get(yield* this.hw.load(gte)) as CObjRoot | undefined;
      if (!mh) throw new DeletedObjectError(ref);
      return yield* mh.handleMiss(ref, this.hw.vp);
    } finally {
      yield* this.gte.mhReadExit(gte);
    }
  }

  /** Write the GTE's miss handler (`swingRoot`; the caller holds `writing`). */
  *swingRoot(ref: CORef, root: CObjRoot): Sim<void> {
    yield* this.hw.store(this.localToGlobal(ref), root.ea);
  }
}
