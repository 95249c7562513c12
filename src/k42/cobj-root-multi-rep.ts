/**
 * Module Description: a root with one representative per VP, created lazily
 * on each VP's first call, after K42 lib/libc/cobj/CObjRootMultiRep.{H,C}.
 *
 * `handleMiss` takes the root's lock (a spin lock on a modelled word: the
 * miss path must not block) and calls `locked_getRep(vp)`: the VP's rep if
 * there is one, otherwise `createRep(vp)`, recorded in `repSet` and the rep
 * list. It then installs the rep in this CPU's LTE. So each VP pays one miss
 * and one `createRep`, and afterwards reaches its own rep through the same
 * `CORef` with one load. K42's cluster size (`clustersize != 1`, reps shared
 * by neighbouring VPs) is not modelled: every VP is its own cluster.
 *
 * The rep list is what distributed methods walk (e.g. a counter summing
 * every rep); `reps()` returns it in VP order.
 */
import type { Sim } from '../sim/effects.ts';
import { CObjRep, CObjRoot, type CObjRootOptions } from './cobj.ts';
import type { COSMgr } from './cosmgr.ts';
import { VPSet, type CleanupCmd, type CORef } from './types.ts';

export abstract class CObjRootMultiRep<R extends CObjRep = CObjRep> extends CObjRoot<R> {
  /** VPs that hold a rep. */
  readonly repSet: VPSet;
  private readonly replist = new Map<number, R>();
  /** The root's lock word (K42 BLock; a spin lock here). */
  protected readonly lockEA: number;
  /** Reps created (for tests: exactly one per VP). */
  repsCreated = 0;

  constructor(cos: COSMgr, opts: CObjRootOptions = {}) {
    super(cos, opts);
    this.repSet = new VPSet(cos.hw.cpus);
    this.lockEA = cos.hw.allocLine();
  }

  /** Build the representative for `vp` (runs under the root lock: must not block). */
  protected abstract createRep(vp: number): Sim<R>;

  override *handleMiss(ref: CORef, vp: number): Sim<R> {
    yield* this.cos.hw.spinLock(this.lockEA);
    const rep = yield* this.locked_getRep(vp);
    this.transSet.addVP(vp);
    yield* this.cos.hw.spinUnlock(this.lockEA);
    yield* this.cos.ott.setCO(ref, rep.ea);
    return rep;
  }

  override *getRepOnThisVP(): Sim<R> {
    const vp = this.cos.hw.vp;
    yield* this.cos.hw.spinLock(this.lockEA);
    const rep = yield* this.locked_getRep(vp);
    yield* this.cos.hw.spinUnlock(this.lockEA);
    return rep;
  }

  protected *locked_getRep(vp: number): Sim<R> {
    let rep = this.replist.get(vp);
    if (rep === undefined) {
      rep = yield* this.createRep(vp);
      this.repsCreated++;
      this.replist.set(vp, rep);
      this.repSet.addVP(vp);
    }
    return rep;
  }

  /** The representative of `vp`, if created (no cost). */
  repOn(vp: number): R | undefined {
    return this.replist.get(vp);
  }

  /** Every rep, in VP order (no cost; callers charge their own walk). */
  reps(): R[] {
    return [...this.replist.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  }

  override getVPCleanupSet(): VPSet {
    return this.repSet;
  }

  override get transferPerVP(): boolean {
    return true;
  }

  override *cleanup(cmd: CleanupCmd, vp: number): Sim<void> {
    if (cmd === 'DOVPCLEANUP') {
      const rep = this.replist.get(vp);
      if (rep) rep.freed = true;
      return;
    }
    this.cleaned = true;
    for (const rep of this.replist.values()) rep.freed = true;
  }
}
