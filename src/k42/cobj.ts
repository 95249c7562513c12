/**
 * Module Description: clustered objects: the Root and its Representatives,
 * after K42 lib/libc/cobj/CObjRoot.{H,C}, CObjRep.H and sys/COSMissHandler.H.
 *
 * "A typical clustered object is composed of a Root object and possibly one
 * or more Representatives." Clients hold a `CORef` and call through `DREF`;
 * each CPU reaches the representative its LTE holds. The root is the miss
 * handler in the object's global entry: on a CPU's first call it supplies
 * (and usually installs) that CPU's representative, and it knows which VPs
 * have the object installed (`transSet`) and which hold reps
 * (`getVPCleanupSet`), which is what destruction and hot-swapping need.
 *
 * Methods of representatives are generators (`*method(...)`): they may take
 * modelled time and may block, like any K42 method. A rep reaches its
 * clustered object's shared state through `myRoot`.
 *
 * State transfer (hot-swap): a root advertises the formats it can export
 * and import (`DTTypeSet`, empty by default: such a root cannot be swapped)
 * and implements `dataTransferExport`/`dataTransferImport`. The mediator
 * calls them once per worker VP in parallel when `transferPerVP` is true
 * (each worker moves its own VP's rep), or once in all, by one worker, when
 * it is false.
 */
import type { Sim } from '../sim/effects.ts';
import type { COSMgr } from './cosmgr.ts';
import { DTTYPESET_EMPTY, type DataTransferObject, type DTType, type DTTypeSet } from './dttype.ts';
import { VPSet, type CleanupCmd, type CORef } from './types.ts';

/** A representative: what an LTE points at and a method call runs on. */
export abstract class CObjRep {
  /** Modelled address of this rep (what an LTE holds). */
  readonly ea: number;
  /** Set by the root's cleanup: a call on a freed rep is a use-after-free. */
  freed = false;

  constructor(readonly myRoot: CObjRoot) {
    this.ea = myRoot.cos.ott.register(this);
  }

  get cos(): COSMgr {
    return this.myRoot.cos;
  }
}

export interface CObjRootOptions {
  /** Build the root on an existing reference (K42 `skipInstall`, for a switch). */
  ref?: CORef | undefined;
  /** Partition to allocate the reference from (default: the current CPU, or 0). */
  vp?: number | undefined;
  /** Name for traces and reports. */
  name?: string | undefined;
}

/** The root: miss handler, cleanup, transfer hooks (K42 COSMissHandler + CObjRoot). */
export abstract class CObjRoot<R extends CObjRep = CObjRep> {
  readonly ea: number;
  myRef: CORef<R>;
  readonly name: string;
  /** VPs whose LTE has (had) this object installed. */
  readonly transSet: VPSet;
  /** Destroyed: `cleanup(STARTCLEANUP)` has run. */
  cleaned = false;

  constructor(
    readonly cos: COSMgr,
    opts: CObjRootOptions = {},
  ) {
    this.ea = cos.ott.register(this);
    this.transSet = new VPSet(cos.hw.cpus);
    this.name = opts.name ?? `${this.constructor.name}@${this.ea.toString(16)}`;
    if (opts.ref !== undefined) {
      this.myRef = opts.ref as CORef<R>;
    } else {
      const vp = opts.vp ?? (cos.hw.engine.current ? cos.hw.vp : 0);
      this.myRef = cos.ott.alloc(this, vp) as CORef<R>;
    }
  }

  /** The reference clients call through. */
  get ref(): CORef<R> {
    return this.myRef;
  }

  /**
   * Supply the representative for `vp` after a miss on `ref`, installing it
   * in this CPU's LTE or not. Runs in the caller's thread (or interrupt
   * context), inside `mhReadEntry`/`mhReadExit`: must not block.
   */
  abstract handleMiss(ref: CORef, vp: number): Sim<R>;

  /** This VP's representative, created if need be, without touching the LTE (for mediators). */
  abstract getRepOnThisVP(): Sim<R>;

  /** STARTCLEANUP: free the root and what is shared; DOVPCLEANUP: free `vp`'s rep. */
  abstract cleanup(cmd: CleanupCmd, vp: number): Sim<void>;

  getTransSet(): VPSet {
    return this.transSet;
  }

  /** VPs that hold a representative. */
  abstract getVPCleanupSet(): VPSet;

  /** True: the mediator calls the transfer hooks once per worker VP, in parallel. */
  get transferPerVP(): boolean {
    return false;
  }

  getDataTransferExportSet(): DTTypeSet {
    return DTTYPESET_EMPTY;
  }

  getDataTransferImportSet(): DTTypeSet {
    return DTTYPESET_EMPTY;
  }

  /** Export state in format `dtt` (for `vp`, or for all when `vp` is -1). Runs in a quiescent state. */
  *dataTransferExport(dtt: DTType, vp: number): Sim<DataTransferObject | null> {
    void vp;
    return { dtt };
  }

  /** Import what the old root exported. */
  *dataTransferImport(dto: DataTransferObject | null, dtt: DTType, vp: number): Sim<void> {
    void dto;
    void dtt;
    void vp;
  }

  /** After a switch the old root is moved to a fresh reference (`reAssignRef`). */
  reAssignRef(ref: CORef): void {
    this.myRef = ref as CORef<R>;
  }

  /** `transSet.atomicAddVP(vp)`: an atomic on the root's header line when the bit is new. */
  protected *atomicAddVP(set: VPSet, vp: number): Sim<void> {
    if (set.isSet(vp)) {
      yield* this.cos.hw.load(this.ea);
      return;
    }
    yield* this.cos.hw.fetchAdd(this.ea, 0);
    set.addVP(vp);
  }
}
