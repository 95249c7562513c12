/**
 * One live update of a module, phase by phase (the phases are listed in
 * manager.ts): `run` is the list of them, each a method with its contract;
 * `execute` turns a failure before the point of no return into a rollback
 * and reports. Created by LiveUpdate.update for every update.
 */
import { sleep, type Sim } from '../../sim/effects.ts';
import { ErrnoError, errno } from '../../uapi/errno.ts';
import type { Machine } from '../../hw-ppc64/machine.ts';
import type { Task } from '../../vfs/task.ts';
import type { Inode } from '../../vfs/inode.ts';
import type { OpenFile } from '../../vfs/file.ts';
import type { FileSystemType } from '../../vfs/ops.ts';
import { CAP_SYS_MODULE } from '../../vfs/types.ts';
import { Module } from '../core/module.ts';
import type { LiveUpdateHooks, StagedTakeover } from '../core/hooks.ts';
import { instrumentModule, instrumentationOf, type Instrumentation } from './instrument.ts';
import { Mediator, type UpdatePhase } from './mediator.ts';
import { applyRedirect, planRedirect } from './redirect.ts';
import { negotiateFormat } from './negotiate.ts';
import { sealSnapshot } from '../core/snapshot.ts';
import { checkFormat, checkStrategy, checkTablesCover, checkVersions } from './check.ts';
import type { FaultPoint, UpdateOptions, UpdateReport, UpdateRequest } from './types.ts';
import { makeUseCounter, type QuiescenceStrategy, type UseCounter } from './usecount.ts';
import type { LiveUpdate } from './manager.ts';
import { LazyHandOver, canHandOverLazily } from './lazy.ts';
import type { OpsTable } from '../core/module.ts';

/** UpdateOptions with LiveUpdate's defaults filled in. */
export type ResolvedOptions = Required<Omit<UpdateOptions, 'inject' | 'quiescence'>> & Pick<UpdateOptions, 'inject' | 'quiescence'>;

/** What `check` established, for the phases after it. */
interface Checked {
  old: Module;
  newMod: Module;
  oldIns: Instrumentation;
  newIns: Instrumentation;
  oldHooks: LiveUpdateHooks;
  newHooks: LiveUpdateHooks;
  format: string;
  strategy: QuiescenceStrategy;
}

/** What `transfer` staged: the new state and every instance's converted private structure. */
interface Converted {
  staged: StagedTakeover;
  convInodes: Map<Inode, unknown>;
  convFiles: Map<OpenFile, unknown>;
  /** Instances the old module's registry tracked (each converted once). */
  inodes: number;
  files: number;
  /** Lazy hand-over: the inodes left for the background pass (not converted in the window). */
  lazyInodes: readonly Inode[] | null;
}

export class UpdateRun {
  private readonly m: Machine;
  private readonly report: UpdateReport;
  private phaseStart = 0;
  private started: number;
  private med: Mediator | null = null;
  private staged: StagedTakeover | null = null;
  private newMod: Module | null = null;
  private stagedRegs: FileSystemType[] = [];
  private blockStart = -1;
  private unwatch: (() => void) | null = null;
  private counter: UseCounter | null = null;
  /** Past the point of no return (the staged state is installed): no rollback any more. */
  private committed = false;
  /** The lazy instance hand-over, when both modules offer it (lazy.ts). */
  private lazy: LazyHandOver | null = null;
  private lazyInodes: readonly Inode[] | null = null;
  private lazyTables: ReadonlyMap<OpsTable, OpsTable> | null = null;

  constructor(
    private readonly lu: LiveUpdate,
    private readonly task: Task,
    private readonly req: UpdateRequest,
    private readonly o: ResolvedOptions,
  ) {
    this.m = lu.machine;
    this.started = this.m.engine.now;
    this.report = {
      ok: false,
      module: req.module,
      from: lu.modules.get(req.module)?.version ?? '?',
      to: req.def.version,
      source: req.source,
      strategy: o.quiescence ?? lu.strategy,
      phase: 'idle',
      phases: [],
      stats: { mediated: 0, blocked: 0, passedRecursive: 0, passedInterrupt: 0, deferredInterrupt: 0, ranOld: 0, ranNew: 0, killedWhileBlocked: 0, passedLockHolder: 0 },
      stalls: [],
      longestStallCycles: 0,
      blockWindowCycles: 0,
      durationCycles: 0,
      triesUsed: 0,
      instances: { inodes: 0, files: 0 },
      stuck: [],
      quiescenceVerified: null,
      oldCodeRunsAfterQuiescence: null,
      afterCommitFaults: [],
      lazy: null,
    };
  }

  private get now(): number {
    return this.m.engine.now;
  }

  private enter(p: UpdatePhase): void {
    const r = this.report;
    const prev = r.phase;
    if (prev !== 'idle') {
      r.phases.push({ name: prev, start: this.phaseStart, end: this.now });
      this.m.engine.trace?.phase(this.now, `update ${r.module}`, prev, false);
    }
    r.phase = p;
    this.phaseStart = this.now;
    this.m.engine.trace?.phase(this.now, `update ${r.module}`, p, true);
    const st = this.lu.statusOf(r.module);
    st.phase = p;
    if (this.med) this.med.phase = p;
  }

  private close(): void {
    const r = this.report;
    r.phases.push({ name: r.phase, start: this.phaseStart, end: this.now });
    this.m.engine.trace?.phase(this.now, `update ${r.module}`, r.phase, false);
    r.durationCycles = this.now - this.started;
    if (this.med) {
      const { stalls, ...rest } = this.med.stats;
      r.stats = { ...rest };
      r.stalls = stalls.slice();
      r.longestStallCycles = stalls.reduce((a, b) => Math.max(a, b), 0);
    }
  }

  private inject(p: FaultPoint): void {
    this.o.inject?.(p);
  }

  *execute(): Sim<UpdateReport> {
    const r = this.report;
    const name = this.req.module;
    const st = this.lu.statusOf(name);
    if (!this.lu.claim(name)) {
      // a second update while one runs: refuse without touching the first
      r.error = { code: 'EBUSY', phase: 'check', message: `an update of ${name} is already in progress` };
      return r;
    }
    st.state = 'in-progress';
    st.transition = 1;
    try {
      yield* this.run();
      r.ok = true;
      st.state = 'done';
      this.lu.history.push(`${name}@${r.from}->${r.to}`);
    } catch (e) {
      const err = e instanceof ErrnoError ? e : new ErrnoError('EIO', undefined, undefined, (e as Error)?.message ?? String(e));
      r.error = { code: err.code, phase: r.phase, message: err.detail ?? err.message };
      // the oracle's window ends here: a rollback lets the old code run again
      this.unwatchOldCode();
      if (this.committed) {
        // Past the point of no return nothing is undone (nothing the manager
        // does there throws; this is the updater thread itself dying): the
        // new version serves, blocked calls resume in it.
        this.med?.release();
        this.counter?.release?.();
        r.ok = true;
        st.state = 'done';
        this.lu.history.push(`${name}@${r.from}->${r.to}`);
      } else {
        yield* this.rollback();
        st.state = 'failed';
      }
    } finally {
      this.unwatchOldCode();
      this.close();
      st.transition = 0;
      st.last = r;
      this.lu.unclaim(name);
    }
    return r;
  }

  /** The update, phase by phase; any throw before `redirect` commits rolls back (execute). */
  private *run(): Sim<void> {
    const c = yield* this.check();
    if (c.strategy === 'refcount') {
      yield* this.replaceWhenUnused(c.old, c.newMod);
      return;
    }
    const counter = c.strategy === c.oldIns.strategy ? c.oldIns.counter : makeUseCounter(c.strategy, this.m, c.oldIns.label);
    this.counter = counter;
    // the module's own preparation, while calls still run (hooks.ts)
    if (c.oldHooks.prepare) yield* c.oldHooks.prepare();
    const med = yield* this.interpose(c);
    yield* this.quiesce(c, med, counter);
    const conv = yield* this.transfer(c);
    yield* this.redirect(c, conv);
    yield* this.release(med, counter);
    yield* this.retire(c, med);
  }

  /**
   * `check`: privilege, the package, versions, strategy, the state format and
   * the new code's tables (the rules themselves are in check.ts); builds and
   * instruments the new module. Changes nothing the old version serves with.
   */
  private *check(): Sim<Checked> {
    const { req, m, o } = this;
    const ms = this.lu.modules;
    this.enter('check');
    if (!this.task.cred.capable(CAP_SYS_MODULE)) throw errno('EPERM', 'updating a module needs CAP_SYS_MODULE');
    // the package's signature and code hash were verified on the host before
    // the simulation (load.ts): no cycles. This is the in-kernel checking below.
    yield m.costs.updateCheck;
    if (req.packageError) throw req.packageError;
    const old = ms.get(req.module);
    if (!old || old.state !== 'live') throw errno('ENOENT', `module ${req.module} is not loaded`);
    this.report.from = old.version;
    checkVersions(old, req.def, req.manifest, this.lu.history, o.allowDowngrade);
    const strategy = checkStrategy(this.lu.strategy, o.quiescence);
    const oldIns = instrumentationOf(old);
    if (!oldIns) throw errno('EINVAL', `${old.name} was not instrumented at load`);
    const oldHooks = old.body.update;
    if (!oldHooks) throw errno('EOPNOTSUPP', `${old.name} ${old.version} cannot export its state`);
    // the new code: fresh tables, instrumented like any loaded module
    const deps = req.def.depends.map((d) => ms.get(d)).filter((d): d is Module => d !== undefined);
    if (deps.length !== req.def.depends.length) throw errno('ENOENT', `a dependency of ${req.def.name} is not loaded`);
    const newMod = new Module(req.def, deps);
    newMod.body = req.def.instantiate(newMod);
    this.newMod = newMod;
    const newIns = instrumentModule(newMod, m, this.lu.strategy);
    const newHooks = newMod.body.update;
    if (!newHooks) throw errno('EOPNOTSUPP', `${newMod.name} ${newMod.version} cannot import state`);
    const format = negotiateFormat(oldHooks.exportFormats, newHooks.importFormats, `${old.name} ${old.version} -> ${newMod.version}`);
    checkFormat(format, req.manifest, newHooks.stateSchemas?.[format]);
    this.report.format = format;
    checkTablesCover(old, newMod);
    this.inject('check');
    return { old, newMod, oldIns, newIns, oldHooks, newHooks, format, strategy };
  }

  /** `interpose`: the mediator takes every slot of the old tables (calls still pass). */
  private *interpose(c: Checked): Sim<Mediator> {
    const m = this.m;
    this.enter('interpose');
    const med = new Mediator(m, c.oldIns, c.old.tables);
    this.med = med;
    const n = med.interpose();
    yield n * m.costs.updatePatchSlot;
    yield* m.sync();
    this.inject('interpose');
    return med;
  }

  /**
   * `block` + `quiesce`, with tries: new calls wait at the mediator until
   * nothing is inside the old code (nor on its way in); a try that times out
   * lets the blocked calls run in the old code and backs off; the last one
   * fails the update with ETIMEDOUT naming the threads still inside.
   */
  private *quiesce(c: Checked, med: Mediator, counter: UseCounter): Sim<void> {
    const { m, o } = this;
    const engine = m.engine;
    const timeout = Math.round(o.timeoutUs * engine.cyclesPerUs);
    const poll = Math.max(1, Math.round(o.pollUs * engine.cyclesPerUs));
    for (let attempt = 1; ; attempt++) {
      this.report.triesUsed = attempt;
      this.enter('block');
      med.blocking = true;
      if (this.blockStart < 0) this.blockStart = this.now;
      yield* m.sync();
      this.enter('quiesce');
      const deadline = this.now + timeout;
      // Quiescent: nothing counted inside, and no let-through caller still on its way in.
      let inside = (yield* counter.inFlight()) + med.passedPending;
      while (inside > 0 && this.now < deadline) {
        const dep = med.passLockHolders();
        if (dep.examined > 0) yield dep.examined * m.costs.updateLockCheckPerThread;
        if (dep.passed === 0) yield* sleep(Math.min(poll, deadline - this.now));
        inside = (yield* counter.inFlight()) + med.passedPending;
      }
      this.inject('quiesce');
      if (inside === 0) return;
      if (attempt >= o.tries) {
        this.report.stuck = engine.threadsInside(c.oldIns.label).map((t) => ({ tid: t.id, name: t.name, fn: t.frameIn(c.oldIns.label)!.fn }));
        const who = this.report.stuck.map((s) => `t${s.tid} ${s.name} in ${s.fn}`).join(', ');
        throw errno('ETIMEDOUT', `quiescence timed out after ${attempt} tr${attempt === 1 ? 'y' : 'ies'} of ${o.timeoutUs} us: ${inside} call(s) still inside ${c.oldIns.label}${who ? ': ' + who : ''}`);
      }
      // let the blocked calls run in the old code, then try again
      med.release();
      counter.release?.();
      yield* sleep(Math.round(o.backoffUs * engine.cyclesPerUs));
    }
  }

  /**
   * `transfer`, the old module quiescent: export its state, seal it, stage the
   * new module's import, init the new code and convert every instance. Stages
   * only: nothing the old version serves with changes.
   */
  private *transfer(c: Checked): Sim<Converted> {
    const m = this.m;
    // The ground-truth oracle, apart from every strategy's evidence: from
    // the moment quiescence is declared through the end of redirect, no
    // thread may be inside the old code nor enter it (any entry fails it).
    this.watchOldCode(c.oldIns.label);
    this.enter('transfer');
    this.inject('export');
    const exported = yield* c.oldHooks.exportState(c.format);
    // validated against the schema the importing code declares (it is what reads it)
    const snapshot = sealSnapshot(c.format, exported, c.newHooks.stateSchemas?.[c.format]);
    this.inject('import');
    // Lazy hand-over when both sides offer it: the old module's per-inode
    // export goes to the import, to be called after release (lazy.ts).
    const lazy = canHandOverLazily(c.oldHooks, c.newHooks, c.format) ? new LazyHandOver(c.oldHooks, c.newHooks, c.format, m) : null;
    const staged = lazy ? yield* c.newHooks.importState(c.format, snapshot, m.costs, lazy) : yield* c.newHooks.importState(c.format, snapshot, m.costs);
    this.staged = staged;
    const lazyNow = lazy !== null && staged.lazyInstances === true;
    this.inject('init');
    yield* this.initStaged(c.newMod);
    this.inject('convert');
    const inodes = c.old.instances.inodes();
    const files = c.old.instances.files();
    const convInodes = new Map<Inode, unknown>();
    const convFiles = new Map<OpenFile, unknown>();
    // lazily: no inode is converted or re-pointed in the window (the old
    // tables forward to the new code from redirect on; lazy.ts switches them)
    if (!lazyNow) for (const i of inodes) convInodes.set(i, staged.convertInode(i));
    for (const f of files) convFiles.set(f, staged.convertFile(f));
    // a conversion costs only where the structure changes; re-pointing is charged at redirect
    if (staged.convertsInstances !== false) yield (convInodes.size + files.length) * m.costs.updateConvertInstance;
    this.inject('redirect');
    if (lazyNow) this.lazy = lazy;
    return { staged, convInodes, convFiles, inodes: inodes.length, files: files.length, lazyInodes: lazyNow ? inodes : null };
  }

  /** `redirect`: every check first, then the point of no return, then the re-pointing. */
  private *redirect(c: Checked, conv: Converted): Sim<void> {
    const m = this.m;
    this.enter('redirect');
    // Everything that can refuse is decided here, while a rollback still
    // leaves the old version untouched (planRedirect changes nothing).
    const plan = planRedirect(this.lu.modules, this.med!, c.old, c.newMod, c.newIns, this.stagedRegs);
    // The point of no return: the staged state is installed (hooks.ts: it
    // never blocks or throws). From here the update completes.
    conv.staged.commit();
    this.committed = true;
    try {
      this.inject('committed');
    } catch (e) {
      // A fault after the point of no return cannot undo the staged commit:
      // the manager has nothing fallible left, so it completes the update and
      // reports the fault (Erlang's point_of_no_return, without the restart).
      this.report.afterCommitFaults.push((e as Error)?.message ?? String(e));
    }
    applyRedirect(this.lu.modules, this.med!, c.old, c.newMod, plan, conv.convInodes, conv.convFiles);
    this.report.instances = { inodes: conv.inodes, files: conv.files };
    this.lazyInodes = conv.lazyInodes;
    this.lazyTables = plan.tables;
    yield (conv.convInodes.size + conv.convFiles.size) * m.costs.updateRepointInstance;
    yield* m.sync();
    this.unwatchOldCode();
  }

  /** `release`: the blocked calls go on, in the new code. */
  private *release(med: Mediator, counter: UseCounter): Sim<void> {
    this.enter('release');
    med.release();
    counter.release?.();
    this.report.blockWindowCycles = this.now - this.blockStart;
  }

  /**
   * `retire`: after a lazy hand-over, first the background pass (lazy.ts:
   * every instance switched, every handed-over inode converted); then wait
   * until no call still runs through the old tables; then the old module
   * is gone.
   */
  private *retire(c: Checked, med: Mediator): Sim<void> {
    this.enter('retire');
    if (this.lazy) {
      this.report.lazy = this.lazy.report;
      yield* this.lazy.drain(this.staged!, this.lazyInodes ?? [], this.lazyTables ?? new Map(), this.blockStart + this.report.blockWindowCycles);
      this.lazyInodes = null;
      this.lazy = null;
    }
    const poll = Math.max(1, Math.round(this.o.pollUs * this.m.engine.cyclesPerUs));
    while (med.inFlight > 0) yield* sleep(poll);
    c.old.state = 'gone';
  }

  /**
   * Start the continuous quiescence oracle (engine ground truth, never read by
   * a mechanism): threads inside `label` now, and every entry into it until
   * `unwatchOldCode`.
   */
  private watchOldCode(label: string): void {
    const engine = this.m.engine;
    const inside = engine.threadsInside(label).length;
    const r = this.report;
    r.oldCodeRunsAfterQuiescence = 0;
    r.quiescenceVerified = inside === 0;
    const stop = engine.watchFrames((_t, module) => {
      if (module === label) {
        r.oldCodeRunsAfterQuiescence!++;
        r.quiescenceVerified = false;
      }
    });
    this.unwatch = () => {
      stop();
      this.unwatch = null;
    };
  }

  private unwatchOldCode(): void {
    this.unwatch?.();
  }

  /** Run the new module's init with its file-system registrations staged. */
  private *initStaged(newMod: Module): Sim<void> {
    const k = this.lu.modules.kernel;
    const staging: FileSystemType[] = [];
    k.fsRegistrationStaging = staging;
    try {
      yield* newMod.body.init(k);
    } finally {
      k.fsRegistrationStaging = null;
    }
    this.stagedRegs = staging;
  }

  /** plain Linux (`refcount`): rmmod + insmod, only when nothing uses the module. */
  private *replaceWhenUnused(old: Module, newMod: Module): Sim<void> {
    this.enter('transfer');
    if (old.refcnt > 0 || old.usedBy.size > 0) {
      throw errno('EBUSY', `${old.name} is in use (refcount ${old.refcnt}): plain Linux can only replace an unused module (unmount and close everything first)`);
    }
    const ms = this.lu.modules;
    yield* ms.rmmod(old.name);
    yield* ms.insmodDefinition(newMod.def);
    this.enter('retire');
  }

  private *rollback(): Sim<void> {
    const r = this.report;
    const failedIn = r.phase;
    this.enter('rollback');
    if (this.staged) {
      try {
        this.staged.abort();
      } catch {
        /* abort must not make things worse; the old state was never touched */
      }
    }
    if (this.med) {
      const med = this.med;
      med.restore();
      med.release();
      this.counter?.release?.();
      if (this.blockStart >= 0) r.blockWindowCycles = this.now - this.blockStart;
      yield* this.m.sync();
      // let every mediated call finish in the old code before reporting
      const poll = Math.max(1, Math.round(this.o.pollUs * this.m.engine.cyclesPerUs));
      while (med.inFlight > 0) yield* sleep(poll);
      med.detach();
    }
    if (this.newMod) this.newMod.state = 'gone';
    r.error = r.error ? { ...r.error, phase: failedIn } : r.error;
  }
}

