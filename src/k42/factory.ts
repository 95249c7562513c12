/**
 * Module Description: factories with versions and dynamic update of a class
 * and all its live instances, after K42 lib/libc/cobj/Factory.{H,C}
 * (`DEFINE_FACTORY_BEGIN_VERSION`, `Update`, `updateOldInstances`) and
 * COListServer.C.
 *
 * A factory is itself a clustered object: a multi-rep root whose per-VP
 * rep keeps the `instanceList` of objects created on that VP (and, after an
 * update, the `oldInstanceList` still to convert). `Factory.update` replaces
 * the factory of version V by one of version V+1 (anything else is refused
 * and nothing changes):
 *
 *  1. the factory swap is itself a `switchCObj` on the factory's ref, with
 *     transfer type `DTT_FACTORY_DEFAULT`: per VP, export merges the rep's
 *     instance list into its old-instance list ("we are quiescent"), import
 *     hands that list to the new factory's rep on the same VP;
 *  2. eager mode (K42's): one thread per factory-rep VP walks its
 *     old-instance list, and for each instance builds the new class's root
 *     on the same ref (`createReplacement`, K42 `skipInstall`) and
 *     hot-swaps it (`switchCObj`, destroy-when-done); the new object is
 *     registered with the new factory. The VPs work in parallel; `update`
 *     returns when every list is empty.
 *  3. lazy mode: K42's 2005 source has no lazy path (docs/design.md "K42 source facts");
 *     this follows the proposal of its later dynamic-update work to convert
 *     an object on access. Each instance's global entry is pointed at a
 *     `CObjRootLazyUpdate` and its LTEs are flushed on every VP; the next
 *     call misses into that root, which starts the instance's switch (not
 *     waiting) and re-dispatches through the mediator. That first call is
 *     therefore still forwarded to the old object (its thread is active,
 *     so its VP stays in FORWARD); calls after the switch completes run the
 *     new class. Instances never called are never converted. One lazy
 *     conversion runs at a time (lazyMayConvert): a call meeting another
 *     unconverted instance meanwhile is served by the old object.
 *
 * Contracts: `update` blocks (it waits for switches, deactivated); the
 * factory methods `create`/`registerInstance` take a spin lock and do not
 * block.
 */
import type { WaitQueue } from '../sim/waitqueue.ts';
import { block, type Sim } from '../sim/effects.ts';
import { CObjRep, type CObjRoot, type CObjRootOptions } from './cobj.ts';
import { CObjRootMultiRep } from './cobj-root-multi-rep.ts';
import type { COSMgr } from './cosmgr.ts';
import type { SwitchResult } from './cobj-root-mediator.ts';
import { DTT_FACTORY_DEFAULT, dtTypeSet, type DataTransferObject, type DTType, type DTTypeSet } from './dttype.ts';
import { CObjRootLazyUpdate } from './lazy-update.ts';
import { COSError, type CORef } from './types.ts';

export class FactoryRep extends CObjRep {
  instanceList: CORef[] = [];
  oldInstanceList: CORef[] = [];
  private readonly lockEA: number;

  constructor(
    root: Factory,
    readonly vp: number,
  ) {
    super(root);
    this.lockEA = root.cos.hw.allocLine();
  }

  get factory(): Factory {
    return this.myRoot as Factory;
  }

  *getVersion(): Sim<number> {
    return this.factory.version;
  }

  /** Create an instance on this VP and register it. */
  *create(...args: unknown[]): Sim<CORef> {
    const root = this.factory.createInstance(args);
    yield* this.registerInstance(root.ref);
    return root.ref;
  }

  *registerInstance(ref: CORef): Sim<void> {
    yield* this.cos.hw.spinLock(this.lockEA);
    this.instanceList.push(ref);
    yield* this.cos.hw.spinUnlock(this.lockEA);
  }

  /** Remove `ref` from either list of this rep; true if it was there. */
  *deregisterLocal(ref: CORef): Sim<boolean> {
    yield* this.cos.hw.spinLock(this.lockEA);
    let i = this.instanceList.indexOf(ref);
    if (i >= 0) this.instanceList.splice(i, 1);
    else {
      i = this.oldInstanceList.indexOf(ref);
      if (i >= 0) this.oldInstanceList.splice(i, 1);
    }
    yield* this.cos.hw.spinUnlock(this.lockEA);
    return i >= 0;
  }
}

interface InstanceListDTO extends DataTransferObject {
  readonly list: CORef[];
}

export interface FactoryUpdateOptions {
  mode?: 'eager' | 'lazy';
}

export interface FactoryUpdateResult {
  ok: boolean;
  error?: string;
  mode: 'eager' | 'lazy';
  fromVersion: number;
  toVersion: number;
  factorySwitch: SwitchResult | null;
  /** Instances handed over by the factory swap. */
  instances: number;
  /** Instance switches completed by the time `update` returned (eager: all). */
  converted: number;
  instanceSwitches: SwitchResult[];
  startedAt: number;
  /** Cycles until the factory and (eager) every instance were switched. */
  duration: number;
}

/** A factory root: subclass per class, with its version and how to build instances. */
export abstract class Factory extends CObjRootMultiRep<FactoryRep> {
  abstract readonly version: number;

  constructor(cos: COSMgr, opts: CObjRootOptions = {}) {
    super(cos, opts);
  }

  /** Build the root of a new instance (its own ref). Must not block. */
  abstract createInstance(args: unknown[]): CObjRoot;

  /** Build this class's root on `ref` to replace `oldRoot` (K42 skipInstall). */
  abstract createReplacement(ref: CORef, oldRoot: CObjRoot): CObjRoot;

  /**
   * Lazy mode: whether an instance may be converted at this call. While it
   * returns false the call goes to the old object and the conversion waits
   * for a later call. One conversion at a time: two switches in flight
   * together can wedge each other through the generation counts. A call
   * blocked at one switch's mediator on a VP already in BLOCK is still an
   * active thread, so the other switch, waiting for that VP's generation
   * to elapse, waits for the first switch to complete, and the first can
   * wait the same way for the second (found by the fuzzer, seed 7265).
   * Subclasses add their own conditions (an instance whose transfer needs
   * an object that is itself being swapped).
   */
  lazyMayConvert(): boolean {
    return this.lazyInFlight === 0;
  }

  /** Lazy conversions started and not yet completed (a swap that must not overlap them waits for zero). */
  lazyInFlight = 0;
  private lazyIdleWQ: WaitQueue | null = null;

  /** @internal a lazy conversion started / ended. */
  noteLazy(delta: 1 | -1): void {
    this.lazyInFlight += delta;
    if (this.lazyInFlight === 0) this.lazyIdleWQ?.wakeAll();
  }

  /** Wait until no lazy conversion is in flight (call deactivated: it can block long). */
  *waitLazyIdle(): Sim<void> {
    this.lazyIdleWQ ??= this.cos.hw.engine.waitQueue(`factory ${this.name} lazy idle`);
    while (this.lazyInFlight > 0) yield* block(this.lazyIdleWQ);
  }

  protected override *createRep(vp: number): Sim<FactoryRep> {
    return new FactoryRep(this, vp);
  }

  override getDataTransferExportSet(): DTTypeSet {
    return dtTypeSet(DTT_FACTORY_DEFAULT);
  }

  override getDataTransferImportSet(): DTTypeSet {
    return dtTypeSet(DTT_FACTORY_DEFAULT);
  }

  /** Per VP: merge the instance list into the old-instance list, unlocked ("we are quiescent"). */
  override *dataTransferExport(dtt: DTType, vp: number): Sim<DataTransferObject | null> {
    const rep = this.repOn(vp);
    if (!rep) return { dtt, list: [] } as InstanceListDTO;
    rep.oldInstanceList.push(...rep.instanceList);
    rep.instanceList = [];
    yield this.cos.hw.costs.alu * (rep.oldInstanceList.length + 1);
    return { dtt, list: rep.oldInstanceList.slice() } as InstanceListDTO;
  }

  /** Per VP: the new rep on the same VP takes the list over. */
  override *dataTransferImport(dto: DataTransferObject | null, dtt: DTType, vp: number): Sim<void> {
    void dtt;
    const list = (dto as InstanceListDTO | null)?.list ?? [];
    if (list.length === 0) return;
    yield* this.cos.hw.spinLock(this.lockEA);
    const rep = yield* this.locked_getRep(vp);
    yield* this.cos.hw.spinUnlock(this.lockEA);
    rep.oldInstanceList.push(...list);
  }

  /** Every instance this factory still has to convert (no cost). */
  pendingOldInstances(): number {
    return this.reps().reduce((n, r) => n + r.oldInstanceList.length, 0);
  }

  /** Every instance registered with this factory (no cost). */
  allInstances(): CORef[] {
    return this.reps().flatMap((r) => [...r.instanceList, ...r.oldInstanceList]);
  }

  /** Called when an instance has been switched to this factory's class. */
  *adoptConverted(ref: CORef, fromVP: number): Sim<void> {
    const owner = this.repOn(fromVP);
    if (owner) yield* owner.deregisterLocal(ref);
    yield* this.cos.hw.spinLock(this.lockEA);
    const rep = yield* this.locked_getRep(this.cos.ott.refToVP(ref));
    yield* this.cos.hw.spinUnlock(this.lockEA);
    yield* rep.registerInstance(ref);
  }

  /**
   * `F::Update(oldFactoryRef)`: replace the factory at `oldRef` by `this`
   * (built on `oldRef`) and convert its instances. Refused, with nothing
   * changed, unless `this.version` is the old version plus one.
   */
  *update(oldRef: CORef<FactoryRep>, opts: FactoryUpdateOptions = {}): Sim<FactoryUpdateResult> {
    const cos = this.cos;
    const e = cos.hw.engine;
    const mode = opts.mode ?? 'eager';
    const oldVersion = yield* (yield* cos.DREF(oldRef)).getVersion();
    const res: FactoryUpdateResult = {
      ok: false,
      mode,
      fromVersion: oldVersion,
      toVersion: this.version,
      factorySwitch: null,
      instances: 0,
      converted: 0,
      instanceSwitches: [],
      startedAt: e.now,
      duration: -1,
    };
    if (this.version !== oldVersion + 1) {
      res.error = `attempt to update wrong version factory: ${oldVersion} -> ${this.version}`;
      return res;
    }
    if (this.myRef !== oldRef) throw new COSError('Factory.update: build the new factory on the old factory ref', 'EINVAL');
    const sw = yield* cos.switchCObj(oldRef, this, 'destroyWhenDone');
    res.factorySwitch = sw;
    if (!sw.ok) {
      res.error = sw.error ?? 'factory switch failed';
      return res;
    }
    res.instances = this.pendingOldInstances();
    if (mode === 'eager') yield* this.updateOldInstances(res);
    else yield* this.installLazy(res);
    res.ok = true;
    res.duration = e.now - res.startedAt;
    return res;
  }

  /** K42 `updateOldInstances`: one thread per factory-rep VP, joined. */
  private *updateOldInstances(res: FactoryUpdateResult): Sim<void> {
    const cos = this.cos;
    const e = cos.hw.engine;
    const done = e.waitQueue(`factory ${this.name} update`);
    let running = 0;
    for (const rep of this.reps()) {
      if (rep.oldInstanceList.length === 0) continue;
      running++;
      cos.spawnRequest(`k42-update ${this.name} vp${rep.vp}`, function* (this: Factory): Sim<void> {
        while (rep.oldInstanceList.length > 0) {
          const ref = rep.oldInstanceList[0]!;
          const oldRoot = cos.ott.missHandlerOf(ref);
          if (!oldRoot) {
            rep.oldInstanceList.shift();
            continue;
          }
          const r = yield* cos.switchCObj(ref, this.createReplacement(ref, oldRoot), 'destroyWhenDone');
          res.instanceSwitches.push(r);
          if (r.ok) res.converted++;
          yield* this.adoptConverted(ref, rep.vp);
        }
        if (--running === 0) done.wakeAll();
      }.bind(this), { cpu: rep.vp });
    }
    yield* cos.atc.deactivated(function* () {
      while (running > 0) yield* block(done);
    });
  }

  /** Lazy mode: point every old instance at a lazy-update root and flush its LTEs everywhere. */
  private *installLazy(res: FactoryUpdateResult): Sim<void> {
    const cos = this.cos;
    const refs = this.reps().flatMap((r) => r.oldInstanceList.map((ref) => ({ ref, vp: r.vp })));
    for (const { ref, vp } of refs) {
      const oldRoot = cos.ott.missHandlerOf(ref);
      if (!oldRoot) continue;
      const lazy = new CObjRootLazyUpdate(cos, ref, oldRoot, this, vp, res);
      yield* lazy.install();
    }
    yield* CObjRootLazyUpdate.flushEverywhere(cos, refs.map((r) => r.ref));
  }
}
