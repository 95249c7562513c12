/**
 * Module Description: a root with one representative shared by every CPU,
 * after K42 lib/libc/cobj/CObjRootSingleRep.{H,C}.
 *
 * The miss path is lock-free: record the VP in `transSet`, install the one
 * rep in this CPU's LTE, return it. Use it for objects whose state is not
 * worth distributing; every CPU's LTE then points at the same rep, and the
 * rep's own fields are what the CPUs share.
 */
import type { Sim } from '../sim/effects.ts';
import { CObjRep, CObjRoot, type CObjRootOptions } from './cobj.ts';
import type { COSMgr } from './cosmgr.ts';
import { VPSet, type CleanupCmd, type CORef } from './types.ts';

export class CObjRootSingleRep<R extends CObjRep = CObjRep> extends CObjRoot<R> {
  readonly therep: R;

  /** `makeRep` builds the representative; it receives this root as `myRoot`. */
  constructor(cos: COSMgr, makeRep: (root: CObjRootSingleRep<R>) => R, opts: CObjRootOptions = {}) {
    super(cos, opts);
    this.therep = makeRep(this);
  }

  override *handleMiss(ref: CORef, vp: number): Sim<R> {
    yield* this.atomicAddVP(this.transSet, vp);
    yield* this.cos.ott.setCO(ref, this.therep.ea);
    return this.therep;
  }

  override *getRepOnThisVP(): Sim<R> {
    return this.therep;
  }

  override getVPCleanupSet(): VPSet {
    // the single rep is not per-VP: nothing to clean per VP
    return new VPSet(this.cos.hw.cpus);
  }

  override *cleanup(cmd: CleanupCmd, vp: number): Sim<void> {
    void vp;
    if (cmd === 'STARTCLEANUP') {
      this.cleaned = true;
      this.therep.freed = true;
    }
  }
}
