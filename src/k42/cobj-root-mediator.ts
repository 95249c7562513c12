/**
 * Module Description: hot-swapping a live clustered object, after K42
 * lib/libc/cobj/CObjRootMediator.{H,C} and `COSMgrObject::switchCObj`.
 *
 * `switchCObj(ref, newRoot, disposition)`:
 *  1. negotiate the transfer type (lowest bit of export(old) ∩ import(new));
 *     none common: fail, nothing changed, the old object keeps serving;
 *  2. claim the GTE (`mhSwitchEntry`: fails if switching or destroying);
 *  3. build the mediator root on the same ref and swing the GTE's miss
 *     handler to it (`swingRoot`, `gteWriteComplete`);
 *  4. FORWARD: one worker thread per VP in the old root's transSet. Each
 *     deactivates, flushes its VP's LTE (the next call there misses into the
 *     mediator root, which installs a per-VP CObjRepMediator wrapping the
 *     old rep), sets a VP thread marker and polls until it ELAPSES: then no
 *     call that bypassed the mediator is still running on that VP, and the
 *     VP's mediator goes to BLOCK (`genCountNotification`);
 *  5. BLOCK: when the last worker is through, the root phase is BLOCK; once
 *     no forwarded call is in flight anywhere, `blockPhaseFini` (single-shot)
 *     releases the workers into the transfer;
 *  6. transfer: `dataTransferExport` from the old root, `dataTransferImport`
 *     into the new, per worker VP in parallel (or once, for a root whose
 *     state is not per VP);
 *  7. COMPLETED: the last worker swings the GTE to the new root, clears the
 *     switch bits (re-running a destroy that arrived meanwhile), applies the
 *     disposition to the old root (destroyWhenDone: move it to a fresh ref
 *     and destroyCO it; reassignWhenDone: move it only; doNotDestroy: keep)
 *     and runs the callback; then every worker flushes its LTE again if it
 *     still holds the mediator, releases the threads blocked on its VP (they
 *     call the new object) and reactivates.
 *
 * K42's `phaseLock` (held while the workers are created) is not needed:
 * creating the workers is one atomic step of the simulation. Worker threads
 * are scheduled on each VP directly rather than through an MPMsg.
 *
 * Tracing: phases are bands on track `k42 <old root name>`; forwarded,
 * blocked and resumed calls are marks on the calling thread.
 */
import { block, sleep, yieldCpu, type Sim } from '../sim/effects.ts';
import type { SimThread } from '../sim/thread.ts';
import type { WaitQueue } from '../sim/waitqueue.ts';
import type { CObjRoot } from './cobj.ts';
import { CObjRootMultiRep } from './cobj-root-multi-rep.ts';
import { CObjRepMediator, MediatorData } from './cobj-rep-mediator.ts';
import type { COSMgr } from './cosmgr.ts';
import { DTT_ERROR, dtTypeName, dtTypeSetMembers, negotiate, type DTType } from './dttype.ts';
import type { CORef, COSwitchPhase, SwitchDisposition } from './types.ts';

/** Phases as shown in timelines: K42's, with the transfer made visible. */
export type SwitchTimelinePhase = 'forward' | 'block' | 'transfer' | 'completed';

export interface SwitchOptions {
  /** Wait for completion (default true); the caller is deactivated while it waits. */
  wait?: boolean;
  /** Run at completion, in the last worker (K42's callback). */
  callback?: (r: SwitchResult) => void;
  /** Observer called synchronously at each phase change (tests check quiescence here). */
  onPhase?: (phase: SwitchTimelinePhase, t: number) => void;
  /** Worker back-off every 4th marker check (K42 DelayMicrosecs(10)). */
  delayUs?: number;
}

export interface SwitchResult {
  ok: boolean;
  error?: string;
  dtt: DTType;
  oldRoot: string;
  newRoot: string;
  disposition: SwitchDisposition;
  startedAt: number;
  completedAt: number;
  /**
   * When the last worker released its VP's blocked calls (-1 before): after
   * COMPLETED each VP's worker still resets its translation and unblocks its
   * mediator, and a call arriving on that VP meanwhile still waits.
   */
  releasedAt: number;
  /** Cycles from start to COMPLETED (-1 while running or failed). */
  duration: number;
  phases: { phase: SwitchTimelinePhase; t: number }[];
  workers: number;
  /** Calls forwarded to the old object (FORWARD, and recursion in BLOCK). */
  forwarded: number;
  /** Forwarded because the thread was already inside (same-thread recursion in BLOCK). */
  recursionForwarded: number;
  /** Calls that waited in BLOCK and resumed on the new object. */
  blocked: number;
  resumed: number;
  /** Longest and total time a call waited in BLOCK (cycles). */
  longestStall: number;
  totalStall: number;
}

export class CObjRootMediator extends CObjRootMultiRep<CObjRepMediator> {
  /** The root phase (K42 COSwitchPhase). */
  phase: COSwitchPhase = 'normal';
  readonly data: MediatorData[];
  numMediatorsWithInFlightCalls = 0;
  readonly trackName: string;
  readonly result: SwitchResult;
  private workersInForward = 0;
  private workersInTransfer = 0;
  private workersLeft = 0;
  private blockFiniTicket = 1;
  private transferGo = false;
  private doneGo = false;
  private finished = false;
  private readonly transferWQ: WaitQueue;
  private readonly barrierWQ: WaitQueue;
  private readonly doneWQ: WaitQueue;
  private workerVPs: number[] = [];
  private lastBand: SwitchTimelinePhase | null = null;

  constructor(
    cos: COSMgr,
    ref: CORef,
    readonly oldRoot: CObjRoot,
    readonly newRoot: CObjRoot,
    readonly dtt: DTType,
    readonly disposition: SwitchDisposition,
    private readonly opts: SwitchOptions,
  ) {
    super(cos, { ref, name: `mediator(${oldRoot.name})` });
    this.trackName = `k42 ${oldRoot.name}`;
    const e = cos.hw.engine;
    this.transferWQ = e.waitQueue(`${this.trackName} transfer`);
    this.barrierWQ = e.waitQueue(`${this.trackName} barrier`);
    this.doneWQ = e.waitQueue(`${this.trackName} done`);
    this.data = Array.from({ length: cos.hw.cpus }, (_, vp) => new MediatorData(this, vp, 'forward'));
    this.result = newSwitchResult(true, oldRoot, newRoot, disposition, dtt, e.now);
  }

  /** Mediator reps wrap the old root's rep on the missing VP. */
  protected override *createRep(vp: number): Sim<CObjRepMediator> {
    const oldRep = yield* this.oldRoot.getRepOnThisVP();
    return new CObjRepMediator(this, this.data[vp]!, oldRep).proxy;
  }

  // ---- the switch -----------------------------------------------------------

  /** `switchImpl`: swing the root, then start FORWARD (or finish at once). */
  *switchImpl(): Sim<void> {
    const cos = this.cos;
    const gte = cos.ott.localToGlobal(this.myRef);
    yield* cos.ott.swingRoot(this.myRef, this);
    yield* cos.ott.gte.gteWriteComplete(gte);
    this.workerVPs = this.oldRoot.getTransSet().members();
    this.result.workers = this.workerVPs.length;
    if (this.workerVPs.length === 0) {
      // nothing installed anywhere: no call can be in the old object
      for (const d of this.data) d.phase = 'block';
      this.phase = 'block';
      this.enterPhase('block');
      yield* this.blockPhaseFini();
      yield* this.doDataTransfer(-1, true);
      yield* this.complete();
      for (const d of this.data) yield* d.unblockThreads();
      this.finish();
      return;
    }
    this.phase = 'forward';
    this.enterPhase('forward');
    this.workersInForward = this.workerVPs.length;
    this.workersInTransfer = this.workerVPs.length;
    this.workersLeft = this.workerVPs.length;
    for (const vp of this.workerVPs) {
      this.data[vp]!.hasWorker = true;
      cos.spawnRequest(`k42-switch-worker ${this.oldRoot.name} vp${vp}`, () => this.worker(vp), { cpu: vp });
    }
  }

  private *worker(vp: number): Sim<void> {
    const cos = this.cos;
    const atc = cos.atc;
    yield* atc.deactivate();
    yield* cos.ott.resetLocalEntry(this.myRef);
    const marker = yield* atc.setVPThreadMarker();
    const delay = Math.round((this.opts.delayUs ?? 10) * cos.hw.cyclesPerUs);
    for (let checks = 1; !(yield* atc.updateAndCheckVPThreadMarker(marker)); checks++) {
      if (checks % 4 === 0) yield* sleep(delay);
      else yield* yieldCpu();
    }
    yield* this.data[vp]!.genCountNotification();
    if (--this.workersInForward === 0) {
      for (const d of this.data) if (!d.hasWorker) yield* d.genCountNotification();
      this.phase = 'block';
      this.enterPhase('block');
      if (this.numMediatorsWithInFlightCalls === 0) yield* this.blockPhaseFini();
    }
    while (!this.transferGo) yield* block(this.transferWQ);
    yield* this.doDataTransfer(vp, vp === this.workerVPs[0]);
    if (--this.workersInTransfer === 0) {
      yield* this.complete();
      this.doneGo = true;
      this.barrierWQ.wakeAll();
    } else {
      while (!this.doneGo) yield* block(this.barrierWQ);
    }
    const d = this.data[vp]!;
    if (d.rep && (yield* cos.hw.load(this.myRef)) === d.rep.ea) yield* cos.ott.resetLocalEntry(this.myRef);
    yield* d.unblockThreads();
    if (vp === this.workerVPs[0]) for (const o of this.data) if (!o.hasWorker) yield* o.unblockThreads();
    if (--this.workersLeft === 0) this.finish();
    yield* atc.activate();
  }

  /** A VP's mediator drained its in-flight calls after BLOCK began. */
  *mediatorDrained(): Sim<void> {
    if (--this.numMediatorsWithInFlightCalls === 0 && this.phase === 'block') yield* this.blockPhaseFini();
  }

  /** Single-shot (a FetchAndClear ticket in K42): release the workers into the transfer. */
  private *blockPhaseFini(): Sim<void> {
    const ticket = this.blockFiniTicket;
    this.blockFiniTicket = 0;
    if (ticket === 0) return;
    yield this.cos.hw.costs.alu;
    this.enterPhase('transfer');
    this.transferGo = true;
    this.transferWQ.wakeAll();
  }

  /** `doDataTransfer`: this worker's share of export + import. */
  private *doDataTransfer(vp: number, lead: boolean): Sim<void> {
    const { oldRoot, newRoot, dtt } = this;
    if (!oldRoot.transferPerVP) {
      if (!lead) return;
      const dto = yield* oldRoot.dataTransferExport(dtt, -1);
      yield* newRoot.dataTransferImport(dto, dtt, -1);
      return;
    }
    const mine = vp < 0 ? oldRoot.getVPCleanupSet().members() : [vp];
    // the lead worker also moves reps of VPs that have no worker
    if (lead && vp >= 0) for (const v of oldRoot.getVPCleanupSet().members()) if (!this.data[v]!.hasWorker) mine.push(v);
    for (const v of mine) {
      const dto = yield* oldRoot.dataTransferExport(dtt, v);
      yield* newRoot.dataTransferImport(dto, dtt, v);
    }
  }

  /** The last worker: install the new root, end the switch, dispose of the old root. */
  private *complete(): Sim<void> {
    const cos = this.cos;
    const ref = this.myRef;
    yield* cos.ott.swingRoot(ref, this.newRoot);
    this.newRoot.myRef = ref;
    const destroyDue = yield* cos.ott.gte.mhSwitchExit(cos.ott.localToGlobal(ref));
    this.phase = 'completed';
    this.enterPhase('completed');
    const e = cos.hw.engine;
    this.result.completedAt = e.now;
    this.result.duration = e.now - this.result.startedAt;
    if (this.disposition !== 'doNotDestroy') {
      const fresh = cos.ott.alloc(this.oldRoot, cos.hw.vp);
      this.oldRoot.reAssignRef(fresh);
      if (this.disposition === 'destroyWhenDone') yield* cos.destroyCO(fresh, this.oldRoot);
    }
    this.opts.callback?.(this.result);
    if (destroyDue) yield* cos.destroyCO(ref, this.newRoot);
  }

  private finish(): void {
    this.finished = true;
    this.result.releasedAt = this.cos.hw.engine.now;
    this.closeBand();
    this.doneWQ.wakeAll();
  }

  /** Wait until the switch has finished (blocks). */
  *waitDone(): Sim<void> {
    while (!this.finished) yield* block(this.doneWQ);
  }

  // ---- accounting and trace ---------------------------------------------------

  private enterPhase(p: SwitchTimelinePhase): void {
    const e = this.cos.hw.engine;
    this.closeBand();
    this.result.phases.push({ phase: p, t: e.now });
    e.trace?.phase(e.now, this.trackName, p, true);
    this.lastBand = p;
    this.opts.onPhase?.(p, e.now);
  }

  private closeBand(): void {
    const e = this.cos.hw.engine;
    if (this.lastBand) e.trace?.phase(e.now, this.trackName, this.lastBand, false);
    this.lastBand = null;
  }

  noteForwarded(t: SimThread, method: string, recursive: boolean): void {
    this.result.forwarded++;
    if (recursive) this.result.recursionForwarded++;
    const e = this.cos.hw.engine;
    e.trace?.mark(e.now, t.cpu, t.id, `${this.oldRoot.name}.${method} forwarded to old${recursive ? ' (recursive)' : ''}`);
  }

  noteBlocked(t: SimThread, method: string): void {
    this.result.blocked++;
    const e = this.cos.hw.engine;
    e.trace?.mark(e.now, t.cpu, t.id, `${this.oldRoot.name}.${method} blocked`);
  }

  noteResumed(t: SimThread, method: string, stall: number): void {
    this.result.resumed++;
    this.result.totalStall += stall;
    if (stall > this.result.longestStall) this.result.longestStall = stall;
    const e = this.cos.hw.engine;
    e.trace?.mark(e.now, t.cpu, t.id, `${this.oldRoot.name}.${method} resumed on new after ${stall} cycles`);
  }
}

function failed(oldRoot: CObjRoot | undefined, newRoot: CObjRoot, disposition: SwitchDisposition, dtt: DTType, error: string, now: number): SwitchResult {
  return { ...newSwitchResult(false, oldRoot, newRoot, disposition, dtt, now), error };
}

/** A switch's result record before anything has happened. */
function newSwitchResult(ok: boolean, oldRoot: CObjRoot | undefined, newRoot: CObjRoot, disposition: SwitchDisposition, dtt: DTType, now: number): SwitchResult {
  return {
    ok,
    dtt,
    oldRoot: oldRoot?.name ?? '?',
    newRoot: newRoot.name,
    disposition,
    startedAt: now,
    completedAt: -1,
    releasedAt: -1,
    duration: -1,
    phases: [],
    workers: 0,
    forwarded: 0,
    recursionForwarded: 0,
    blocked: 0,
    resumed: 0,
    longestStall: 0,
    totalStall: 0,
  };
}

/** `COSMgr::switchCObj` (see the header of this file). */
export function* switchCObj(
  cos: COSMgr,
  ref: CORef,
  newRoot: CObjRoot,
  disposition: SwitchDisposition,
  opts: SwitchOptions,
): Sim<SwitchResult> {
  const now = cos.hw.engine.now;
  const gte = cos.ott.localToGlobal(ref);
  const oldRoot = cos.ott.objectAt(yield* cos.hw.load(gte)) as CObjRoot | undefined;
  if (!oldRoot) return failed(oldRoot, newRoot, disposition, DTT_ERROR, 'no object at this reference', now);
  const exp = oldRoot.getDataTransferExportSet();
  const imp = newRoot.getDataTransferImportSet();
  const dtt = negotiate(exp, imp);
  if (dtt === DTT_ERROR) {
    const msg =
      `no common transfer type: ${oldRoot.name} exports {${dtTypeSetMembers(exp).map(dtTypeName).join(', ')}}, ` +
      `${newRoot.name} imports {${dtTypeSetMembers(imp).map(dtTypeName).join(', ')}}`;
    const r = failed(oldRoot, newRoot, disposition, DTT_ERROR, msg, now);
    cos.switches.push(r);
    return r;
  }
  if (!(yield* cos.ott.gte.mhSwitchEntry(gte))) {
    const r = failed(oldRoot, newRoot, disposition, dtt, 'entry is already switching or being destroyed', now);
    cos.switches.push(r);
    return r;
  }
  const med = new CObjRootMediator(cos, ref, oldRoot, newRoot, dtt, disposition, opts);
  cos.switches.push(med.result);
  yield* med.switchImpl();
  if (opts.wait ?? true) yield* cos.atc.deactivated(() => med.waitDone());
  return med.result;
}
