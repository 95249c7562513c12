/**
 * Module Description: the global token, global generation markers and the
 * deferred deletion of clustered objects, after K42
 * lib/libc/cobj/sys/COSMgrObject.C (`destroyCOInternal`, `checkCleanup`,
 * `handoffToken`, `gcInit`) and sys/COSMgrObject.H.
 *
 * Token. The per-VP COSMgr reps form a ring; one holds the token (VP 0 at
 * start). On first noticing the token a VP frees the refs on its
 * `reclaimRefList`, moves its waiting refs onto that list and sets a VP
 * marker (VP 0 also increments the global generation). On later checks,
 * once that marker has ELAPSED (every thread active on this VP when the
 * token arrived has finished), it processes remote deletes and hands the
 * token on. One circulation therefore means "every VP passed a local
 * quiescent point"; a global marker ELAPSES at `global.genCount >= marker+2`.
 *
 * Deletion (`destroyCO` after `mhDestroyEntry`):
 *   local object (installed on no VP but this one): batched in a DeleteSet
 *   under a VP marker; once ELAPSED the LTE is reset, `cleanup(STARTCLEANUP)`
 *   runs and the ref waits for the token: one visit to reach
 *   `reclaimRefList`, the next to be deallocated.
 *   remote object: queued with a global marker; once ELAPSED a TransferRec
 *   rides the token around the ring: each VP resets its own LTE, leaves
 *   `transSet`, runs `DOVPCLEANUP` if it holds a rep; when `transSet` is
 *   empty `STARTCLEANUP` runs, and the owning VP (`refToVP`) reclaims the ref.
 *
 * Daemon. One cleanup daemon thread per VP runs `checkCleanup`. K42 wakes
 * it every 2000 ms or after 10 destroys; here it runs every
 * `cleanupPeriodUs` while any deletion is pending and sleeps on a wait queue
 * otherwise (so an idle machine is idle; the daemons are spawned as engine
 * daemons and are not reported as deadlocked). The token only moves while
 * work is pending. Daemons are not counted as active threads (K42's GC
 * daemon deactivates: it blocks long-term).
 */
import { block, sleep, type Sim } from '../sim/effects.ts';
import type { WaitQueue } from '../sim/waitqueue.ts';
import type { CObjRoot } from './cobj.ts';
import type { COSMgr } from './cosmgr.ts';
import { VPSet, type CORef } from './types.ts';

interface Doomed {
  readonly ref: CORef;
  readonly root: CObjRoot;
}

interface DeleteSet {
  readonly marker: number;
  readonly list: Doomed[];
}

interface TransferRec extends Doomed {
  readonly transSet: VPSet;
  readonly vpCleanupSet: VPSet;
  started: boolean;
}

class VPState {
  hasToken = false;
  seenToken = false;
  tokenMarker = 0;
  reclaimRefList: CORef[] = [];
  waitingForToken: CORef[] = [];
  readonly stage1Local: DeleteSet[] = [];
  readonly stage1Remote: (Doomed & { gmarker: number })[] = [];
  incoming: TransferRec[] = [];
  constructor(readonly wq: WaitQueue) {}
}

export class DeferredDeletion {
  private readonly vps: VPState[];
  /** K42 `global.genCount`: completed token circulations. */
  globalGen = 0;
  /** Token hand-offs so far (tests watch it circulate). */
  handoffs = 0;
  /** VPs in the order they received the token (bounded log for tests). */
  readonly tokenLog: number[] = [];
  /** Refs destroyed but not yet deallocated. */
  pending = 0;
  /** Refs deallocated. */
  freed = 0;
  private readonly periodCycles: number;

  constructor(
    private readonly cos: COSMgr,
    cleanupPeriodUs: number,
  ) {
    const e = cos.hw.engine;
    this.vps = Array.from({ length: cos.hw.cpus }, (_, v) => new VPState(e.waitQueue(`k42 cleanup vp${v}`)));
    this.vps[0]!.hasToken = true;
    this.periodCycles = Math.max(1, Math.round(cleanupPeriodUs * cos.hw.cyclesPerUs));
  }

  /** Start one cleanup daemon per VP. */
  startDaemons(): void {
    for (let v = 0; v < this.vps.length; v++) {
      this.cos.hw.engine.spawn(`k42-cleanup-${v}`, () => this.daemon(v), { cpu: v, daemon: true });
    }
  }

  /** Which VP holds the token. */
  get tokenHolder(): number {
    return this.vps.findIndex((s) => s.hasToken);
  }

  /** Global marker now; ELAPSED once two more circulations complete. */
  setGlobalMarker(): number {
    return this.globalGen;
  }

  globalMarkerElapsed(marker: number): boolean {
    return this.globalGen >= marker + 2;
  }

  /**
   * Queue `ref` (already past `mhDestroyEntry`) for deferred deletion, from
   * a thread on the current VP. Does not block.
   */
  *destroy(ref: CORef, root: CObjRoot): Sim<void> {
    const vp = this.cos.hw.vp;
    const st = this.vps[vp]!;
    const ts = root.getTransSet();
    if (ts.isEmpty || (ts.count === 1 && ts.isSet(vp))) {
      const marker = yield* this.cos.atc.setVPThreadMarker();
      const last = st.stage1Local[st.stage1Local.length - 1];
      if (last && last.marker === marker) last.list.push({ ref, root });
      else st.stage1Local.push({ marker, list: [{ ref, root }] });
    } else {
      st.stage1Remote.push({ ref, root, gmarker: this.setGlobalMarker() });
    }
    if (this.pending++ === 0) for (const s of this.vps) s.wq.wakeAll();
  }

  private *daemon(vp: number): Sim<void> {
    const st = this.vps[vp]!;
    for (;;) {
      if (this.pending === 0) {
        yield* block(st.wq);
        continue;
      }
      yield* this.checkCleanup(vp);
      yield* sleep(this.periodCycles);
    }
  }

  /** One pass of VP `vp`'s cleanup (runs on `vp`). */
  *checkCleanup(vp: number): Sim<void> {
    const cos = this.cos;
    const st = this.vps[vp]!;
    // local deletes whose marker has elapsed
    while (st.stage1Local.length > 0) {
      const ds = st.stage1Local[0]!;
      if (!(yield* cos.atc.updateAndCheckVPThreadMarker(ds.marker))) break;
      st.stage1Local.shift();
      for (const d of ds.list) {
        yield* cos.ott.resetLocalEntry(d.ref);
        d.root.transSet.removeVP(vp);
        yield* d.root.cleanup('STARTCLEANUP', vp);
        st.waitingForToken.push(d.ref);
      }
    }
    if (!st.hasToken) return;
    if (!st.seenToken) {
      st.seenToken = true;
      if (vp === 0) this.globalGen++;
      for (const ref of st.reclaimRefList) {
        cos.ott.dealloc(ref);
        this.freed++;
        this.pending--;
      }
      st.reclaimRefList = st.waitingForToken;
      st.waitingForToken = [];
      st.tokenMarker = yield* cos.atc.setVPThreadMarker();
      return;
    }
    if (!(yield* cos.atc.updateAndCheckVPThreadMarker(st.tokenMarker))) return;
    const out: TransferRec[] = [];
    for (let i = 0; i < st.stage1Remote.length; ) {
      const d = st.stage1Remote[i]!;
      if (!this.globalMarkerElapsed(d.gmarker)) {
        i++;
        continue;
      }
      st.stage1Remote.splice(i, 1);
      const rec: TransferRec = {
        ref: d.ref,
        root: d.root,
        transSet: d.root.getTransSet().copy(),
        vpCleanupSet: d.root.getVPCleanupSet().copy(),
        started: false,
      };
      if (!(yield* this.processTransfer(rec, vp))) out.push(rec);
    }
    for (const rec of st.incoming) if (!(yield* this.processTransfer(rec, vp))) out.push(rec);
    st.incoming = [];
    // handoffToken: Token = 0; nextRep->Token = this
    const next = this.vps[(vp + 1) % this.vps.length]!;
    next.incoming.push(...out);
    st.hasToken = false;
    st.seenToken = false;
    next.hasToken = true;
    this.handoffs++;
    if (this.tokenLog.length < 1000) this.tokenLog.push((vp + 1) % this.vps.length);
    next.wq.wakeAll();
  }

  /** This VP's share of a remote delete; true when the record is finished. */
  private *processTransfer(rec: TransferRec, vp: number): Sim<boolean> {
    const cos = this.cos;
    if (rec.transSet.isSet(vp)) {
      yield* cos.ott.resetLocalEntry(rec.ref);
      rec.transSet.removeVP(vp);
      rec.root.transSet.removeVP(vp);
    }
    if (rec.vpCleanupSet.isSet(vp)) {
      yield* rec.root.cleanup('DOVPCLEANUP', vp);
      rec.vpCleanupSet.removeVP(vp);
    }
    if (rec.transSet.isEmpty && !rec.started) {
      rec.started = true;
      yield* rec.root.cleanup('STARTCLEANUP', vp);
    }
    if (rec.transSet.isEmpty && rec.vpCleanupSet.isEmpty && cos.ott.refToVP(rec.ref) === vp) {
      this.vps[vp]!.waitingForToken.push(rec.ref);
      return true;
    }
    return false;
  }
}
