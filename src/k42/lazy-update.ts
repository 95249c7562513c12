/**
 * Module Description: lazy (on-access) conversion of an instance during a
 * dynamic update. Not in K42's 2005 source, which updates every instance
 * eagerly (docs/design.md "K42 source facts"); this follows the later K42 dynamic-update
 * work's proposal to convert objects when they are next used.
 *
 * The update points the instance's global entry at a `CObjRootLazyUpdate`
 * (under the GTE's switch bits, so it cannot race a switch or a destroy) and
 * flushes the instance's LTE on every VP. Calls already past their `DREF`
 * keep running on the old object. The next call misses into this root,
 * which returns a trampoline rep (not installed in the LTE, so every call
 * misses until the conversion starts). The first trampoline call:
 *   - swings the GTE back to the old root (the switch needs it as the
 *     miss handler to mediate it),
 *   - starts `switchCObj(ref, factory.createReplacement(...))` without
 *     waiting,
 *   - re-dispatches through `DREF`, which now reaches the mediator.
 * Concurrent first calls on other VPs spin until the GTE moves on, then
 * re-dispatch the same way. The converted instance is re-registered with
 * the new factory when its switch completes.
 *
 * Contracts: the trampoline may spin briefly but never blocks by itself;
 * the re-dispatched call may block in the mediator like any call during a
 * switch (so not from interrupt context).
 */
import { block, yieldCpu, type Sim } from '../sim/effects.ts';
import { CObjRep, CObjRoot } from './cobj.ts';
import type { COSMgr } from './cosmgr.ts';
import type { Factory, FactoryUpdateResult } from './factory.ts';
import { VPSet, type CleanupCmd, type CORef } from './types.ts';

type Method = (...args: unknown[]) => Sim<unknown>;

class LazyUpdateRep extends CObjRep {
  readonly proxy: LazyUpdateRep;
  private readonly trampolines = new Map<string, Method>();

  constructor(
    readonly lazyRoot: CObjRootLazyUpdate,
    readonly oldRep: object,
  ) {
    super(lazyRoot);
    const self = this;
    this.proxy = new Proxy(this, {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && prop !== 'ea' && prop !== 'myRoot' && prop !== 'freed' && prop !== 'cos') {
          const m = (self.oldRep as Record<string, unknown>)[prop];
          if (typeof m === 'function') {
            let f = self.trampolines.get(prop);
            if (!f) {
              f = (...args: unknown[]) => self.lazyRoot.convertAndCall(prop, args);
              self.trampolines.set(prop, f);
            }
            return f;
          }
        }
        return Reflect.get(target, prop, receiver);
      },
    });
  }
}

export class CObjRootLazyUpdate extends CObjRoot {
  private converting = false;
  private rep: LazyUpdateRep | null = null;

  constructor(
    cos: COSMgr,
    ref: CORef,
    readonly oldRoot: CObjRoot,
    readonly factory: Factory,
    /** VP whose factory rep listed the instance. */
    readonly listedOn: number,
    private readonly result: FactoryUpdateResult,
  ) {
    super(cos, { ref, name: `lazy(${oldRoot.name})` });
  }

  /** Point the GTE at this root (claiming the entry as a switch does). */
  *install(): Sim<void> {
    const ott = this.cos.ott;
    const gte = ott.localToGlobal(this.myRef);
    if (!(yield* ott.gte.mhSwitchEntry(gte))) return;
    yield* ott.swingRoot(this.myRef, this);
    yield* ott.gte.mhSwitchExit(gte);
  }

  /** Flush `refs`' LTEs on every VP: one short request thread per VP; waits for them. */
  static *flushEverywhere(cos: COSMgr, refs: CORef[]): Sim<void> {
    const e = cos.hw.engine;
    const done = e.waitQueue('k42 lazy-update flush');
    let left = cos.hw.cpus;
    for (let vp = 0; vp < cos.hw.cpus; vp++) {
      cos.spawnRequest(`k42-lazy-flush vp${vp}`, function* () {
        for (const ref of refs) {
          const lazy = cos.ott.missHandlerOf(ref);
          if (lazy instanceof CObjRootLazyUpdate && lazy.oldRoot.transSet.isSet(vp)) yield* cos.ott.resetLocalEntry(ref);
        }
        if (--left === 0) done.wakeAll();
      }, { cpu: vp });
    }
    yield* cos.atc.deactivated(function* () {
      while (left > 0) yield* block(done);
    });
  }

  override *handleMiss(ref: CORef, vp: number): Sim<CObjRep> {
    void ref;
    void vp;
    if (!this.rep) this.rep = new LazyUpdateRep(this, yield* this.oldRoot.getRepOnThisVP());
    return this.rep.proxy;
  }

  override *getRepOnThisVP(): Sim<CObjRep> {
    return yield* this.oldRoot.getRepOnThisVP();
  }

  override getVPCleanupSet(): VPSet {
    return new VPSet(this.cos.hw.cpus);
  }

  override *cleanup(cmd: CleanupCmd, vp: number): Sim<void> {
    void cmd;
    void vp;
  }

  /** The first call converts; every call then re-dispatches through the OTT. */
  *convertAndCall(method: string, args: unknown[]): Sim<unknown> {
    const cos = this.cos;
    const ott = cos.ott;
    const ref = this.myRef;
    if (!this.converting && !this.factory.lazyMayConvert()) {
      // not now: serve this call from the old object, convert at a later one
      const old = this.rep?.oldRep as Record<string, Method> | undefined;
      if (old) return yield* old[method]!.apply(old, args);
    }
    if (!this.converting) {
      this.converting = true;
      // counted before anything can yield, so no other conversion passes lazyMayConvert meanwhile
      this.factory.noteLazy(1);
      const gte = ott.localToGlobal(ref);
      while (!(yield* ott.gte.mhSwitchEntry(gte))) {
        yield cos.hw.spin();
        yield* yieldCpu();
      }
      yield* ott.swingRoot(ref, this.oldRoot);
      yield* ott.gte.mhSwitchExit(gte);
      const factory = this.factory;
      const result = this.result;
      const listedOn = this.listedOn;
      const r = yield* cos.switchCObj(ref, factory.createReplacement(ref, this.oldRoot), 'destroyWhenDone', {
        wait: false,
        callback: (sw) => {
          factory.noteLazy(-1);
          result.converted++;
          result.instanceSwitches.push(sw);
          cos.hw.engine.spawn(`k42-lazy-adopt`, () => factory.adoptConverted(ref, listedOn), { cpu: cos.hw.vp });
        },
      });
      if (!r.ok) {
        factory.noteLazy(-1);
        throw new Error(`lazy update of ${this.oldRoot.name} failed: ${r.error}`);
      }
    } else {
      // another VP is converting: wait until the entry has moved on
      while (ott.missHandlerOf(ref) === this) {
        yield cos.hw.spin();
        yield* yieldCpu();
      }
    }
    const obj = (yield* cos.DREF(ref)) as unknown as Record<string, Method>;
    return yield* obj[method]!(...args);
  }
}
