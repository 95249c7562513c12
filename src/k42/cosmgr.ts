/**
 * Module Description: the clustered-object system manager, after K42
 * lib/libc/cobj/sys/COSMgr.H and COSMgrObject.C: one per machine, it owns
 * the object translation table, the active-thread counts, the token and
 * deferred deletion, and is the entry point of `destroyCO` and `switchCObj`.
 *
 * Use:
 *   const m = new Machine({ cpus: 4, model: 'ppc970' });
 *   const cos = new COSMgr(m);
 *   const root = new CObjRootSingleRep(cos, (r) => new Counter(r));
 *   cos.spawnRequest('client', function* () {
 *     const c = yield* cos.DREF(root.ref);   // one load through this CPU's LTE
 *     yield* c.inc();
 *   });
 *   m.run();
 */
import type { SpawnOptions } from '../sim/engine.ts';
import type { Sim } from '../sim/effects.ts';
import type { SimThread } from '../sim/thread.ts';
import type { Machine } from '../hw-ppc64/machine.ts';
import { ActiveThrdCnt } from './active-thrd-cnt.ts';
import type { CObjRoot } from './cobj.ts';
import { DeferredDeletion } from './deferred-deletion.ts';
import { K42Hw } from './hw.ts';
import { OTT, type OTTOptions } from './ott.ts';
import { switchCObj, type SwitchOptions, type SwitchResult } from './cobj-root-mediator.ts';
import { COSError, type CORef, type SwitchDisposition } from './types.ts';

export interface COSMgrOptions extends OTTOptions {
  /** Cleanup-daemon period while deletions are pending (K42: 2000 ms). Default 50 us. */
  cleanupPeriodUs?: number;
  /** Spawn the per-VP cleanup daemons (default true). */
  cleanupDaemons?: boolean;
}

export class COSMgr {
  readonly hw: K42Hw;
  readonly ott: OTT;
  readonly atc: ActiveThrdCnt;
  readonly gc: DeferredDeletion;
  /** Switches started, for reports. */
  readonly switches: SwitchResult[] = [];

  constructor(
    readonly machine: Machine,
    opts: COSMgrOptions = {},
  ) {
    this.hw = new K42Hw(machine);
    this.ott = new OTT(this.hw, opts);
    this.atc = new ActiveThrdCnt(this.hw);
    this.gc = new DeferredDeletion(this, opts.cleanupPeriodUs ?? 50);
    if (opts.cleanupDaemons ?? true) this.gc.startDaemons();
  }

  /** `DREF(ref)`: the object to call on this CPU (one load; a miss goes to the root). */
  DREF<T>(ref: CORef<T>): Sim<T> {
    return this.ott.DREF(ref);
  }

  /** A K42 request thread: `body` runs activated on its CPU (see ActiveThrdCnt). */
  spawnRequest<T>(name: string, body: () => Sim<T>, opts: SpawnOptions = {}): SimThread {
    return this.atc.spawnRequest(name, body, opts);
  }

  /**
   * `destroyCO(ref, root)`: turn new misses away (`mhDestroyEntry`) and free
   * the object once no thread that could hold it is still running. Callers
   * promise no *new* references will be taken. Never blocks. If a switch
   * holds the entry, the destroy is recorded and re-run when the switch ends.
   */
  *destroyCO(ref: CORef, root?: CObjRoot): Sim<void> {
    const gte = this.ott.localToGlobal(ref);
    const r = yield* this.ott.gte.mhDestroyEntry(gte);
    if (r === 'already') throw new COSError(`destroyCO: ref 0x${ref.toString(16)} is already being destroyed`, 'EBUSY');
    if (r === 'pending') return;
    const owner = root ?? this.ott.missHandlerOf(ref);
    if (!owner) throw new COSError(`destroyCO: ref 0x${ref.toString(16)} has no root`, 'EINVAL');
    yield* this.gc.destroy(ref, owner);
  }

  /**
   * `COSMgr::switchCObj`: hot-swap the object at `ref` to `newRoot` (see
   * CObjRootMediator). Waits (deactivated) until the switch completes unless
   * `opts.wait` is false, and returns what happened; a failed negotiation or
   * a busy entry returns `ok: false` with nothing changed.
   */
  switchCObj(ref: CORef, newRoot: CObjRoot, disposition: SwitchDisposition = 'destroyWhenDone', opts: SwitchOptions = {}): Sim<SwitchResult> {
    return switchCObj(this, ref, newRoot, disposition, opts);
  }
}
