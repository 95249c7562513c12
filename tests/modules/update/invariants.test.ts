/**
 * docs/design.md invariants 1-5 as properties over many seeds (fast-check):
 * transparency, exactly once, quiescence is real, no deadlock on recursive
 * or interrupt-context calls, rollback at every failure point; on ramfs (fast)
 * and on ext3 with e2fsck after each run.
 */
import { describe, it, expect } from 'vitest';
import { sweep, timeoutFor } from '../../scale.ts';
import fc from 'fast-check';
import { sleep, type Sim } from '../../../src/sim/effects.ts';
import { errno } from '../../../src/uapi/errno.ts';
import { Prng } from '../../../src/sim/prng.ts';
import { buildSystem, type BuiltSystem } from '../../../src/system/build.ts';
import { e2fsckRequired } from '../../../src/ext2/e2fsprogs.ts';
import { ext3Definition } from '../../../src/modules/ext3-releases.ts';
import type { ModuleDefinition } from '../../../src/modules/core/module.ts';
import type { FaultPoint, UpdateReport, UpdateOptions } from '../../../src/modules/update/manager.ts';
import type { QuiescenceStrategy } from '../../../src/modules/update/usecount.ts';
import { runThread } from '../../../src/sim/run-thread.ts';
import * as sys from '../../../src/vfs/syscalls.ts';
import { runFsOp } from '../../../src/workload/linux-ops.ts';
import { FsStress, type FsOp, type OpResult } from '../../../src/workload/fsstress.ts';
import { liveRamfs } from './helpers.ts';
import { walkTreeSyscalls } from '../../../src/workload/linux-ops.ts';
import { Machine } from '../../../src/hw-ppc64/machine.ts';
import { bootSystem } from '../../../src/system/boot.ts';

const STRATEGIES: QuiescenceStrategy[] = ['counter-shared', 'counter-percpu', 'stack-walk'];

interface Run {
  results: OpResult[][];
  tree: string[];
  report: UpdateReport | null;
  fsck: number | null;
  version: string;
}

/** The same workload, with or without an update, on ramfs or ext3. */
function run(o: {
  fs: 'ramfs' | 'ext3';
  seed: number;
  strategy: QuiescenceStrategy;
  threads: number;
  ops: number;
  from: number;
  update?: { def: ModuleDefinition; atUs: number; opts?: UpdateOptions };
  noRename?: boolean;
}): Run {
  let b: BuiltSystem;
  if (o.fs === 'ext3') {
    b = buildSystem({ cpus: 4, seed: o.seed, fs: 'ext3', ext3Version: o.from, strategy: o.strategy, imageMiB: 16, perturb: { preemptProbability: 0.05, maxDelayCycles: 3000 } });
  } else {
    const machine = new Machine({ cpus: 4, model: 'ppc970', seed: o.seed, perturb: { preemptProbability: 0.05, maxDelayCycles: 3000 } });
    const system = bootSystem({ engine: machine.engine, registry: new Map([['ramfs', liveRamfs(String(o.from))]]), live: { machine, strategy: o.strategy } });
    const live = system.live!;
    b = { machine, system, live, disk: null, shutdown: () => {} };
  }
  const e = b.machine.engine;
  const module = o.fs;
  const results: OpResult[][] = [];
  const rng = new Prng(o.seed ^ 0x5eed);
  for (let i = 0; i < o.threads; i++) {
    const res: OpResult[] = [];
    results.push(res);
    const gen = new FsStress(rng.fork(), { root: `/w${i}`, maxFileSize: 32 * 1024, maxWrite: 4096, ...(o.noRename ? { mix: { rename: 0 } } : {}) });
    const task = b.system.newTask({ name: `w${i}` });
    e.spawn(`w${i}`, function* (): Sim<void> {
      yield* sys.mkdir(task, `/w${i}`, 0o755);
      for (let k = 0; k < o.ops; k++) {
        const op: FsOp = gen.next();
        const r = yield* runFsOp(task, op);
        gen.observe(op, r);
        res.push(r);
      }
    });
  }
  let report: UpdateReport | null = null;
  if (o.update) {
    const u = o.update;
    const task = b.system.newTask({ name: 'updater' });
    e.spawn('updater', function* (): Sim<void> {
      yield* sleep(Math.round(u.atUs * e.cyclesPerUs));
      report = yield* b.live.update(task, { module, def: u.def, source: 'test' }, u.opts);
    });
  }
  e.run();
  const tree = runThread(e, 'walk', () => walkTreeSyscalls(b.system.init, '/'));
  const version = b.system.modules.get(module)!.version;
  b.shutdown();
  const fsck = b.disk ? e2fsckRequired(b.disk.sparseImage()).status : null;
  return { results, tree, report, fsck, version };
}

function exactlyOnce(r: UpdateReport): void {
  const s = r.stats;
  expect(s.ranOld + s.ranNew + s.killedWhileBlocked).toBe(s.mediated);
}

const RAMFS_SEEDS = sweep(6, 20);
const EXT3_SEEDS = sweep(8, 50);

describe(`invariants on ramfs (fast-check, 3 strategies x ${RAMFS_SEEDS} seeds)`, () => {
  it.each(STRATEGIES)('transparency, exactly once, real quiescence with %s', (strategy) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 50, max: 1500 }), (seed, atUs) => {
        const base = run({ fs: 'ramfs', seed, strategy, threads: 6, ops: 30, from: 1 });
        const upd = run({ fs: 'ramfs', seed, strategy, threads: 6, ops: 30, from: 1, update: { def: liveRamfs('2'), atUs } });
        const r = upd.report!;
        expect(r.error).toBeUndefined();
        expect(r.quiescenceVerified).toBe(true);
        exactlyOnce(r);
        expect(upd.version).toBe('2');
        expect(upd.results).toEqual(base.results);
        expect(upd.tree).toEqual(base.tree);
      }),
      { numRuns: RAMFS_SEEDS, seed: 42 },
    );
  }, timeoutFor(RAMFS_SEEDS * 400));
});

describe(`invariants on ext3 with e2fsck (fast-check, ${EXT3_SEEDS} seeds)`, () => {
  it('v2 -> v3 under load equals the run without the update, and e2fsck is clean', () => {
    let n = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 100, max: 3000 }), (seed, atUs) => {
        const strategy = STRATEGIES[n++ % STRATEGIES.length]!;
        const base = run({ fs: 'ext3', seed, strategy, threads: 3, ops: 15, from: 2 });
        const upd = run({ fs: 'ext3', seed, strategy, threads: 3, ops: 15, from: 2, update: { def: ext3Definition(3), atUs } });
        const r = upd.report!;
        expect(r.error).toBeUndefined();
        expect(r.quiescenceVerified).toBe(true);
        exactlyOnce(r);
        expect(upd.version).toBe('3');
        expect(upd.results).toEqual(base.results);
        expect(upd.tree).toEqual(base.tree);
        expect(upd.fsck).toBe(0);
      }),
      { numRuns: EXT3_SEEDS, seed: 7 },
    );
  }, timeoutFor(EXT3_SEEDS * 900));
});

const FAULT_POINTS: FaultPoint[] = ['check', 'interpose', 'quiesce', 'export', 'import', 'init', 'convert', 'redirect'];

describe('rollback at every failure point (ext3 v1 -> v2)', () => {
  it.each(FAULT_POINTS)('a fault at %s: old version serves, results and tree as without the update, e2fsck clean', (point) => {
    for (const seed of [11, 12]) {
      const common = { fs: 'ext3' as const, seed, strategy: 'counter-percpu' as const, threads: 4, ops: 20, from: 1, noRename: true };
      const base = run(common);
      const upd = run({
        ...common,
        update: {
          def: ext3Definition(2),
          atUs: 500,
          opts: {
            inject: (p) => {
              if (p === point) throw errno('EIO', `injected fault at ${point}`);
            },
          },
        },
      });
      const r = upd.report!;
      expect(r.ok).toBe(false);
      expect(r.error).toMatchObject({ code: 'EIO', phase: point === 'redirect' || point === 'convert' || point === 'export' || point === 'import' || point === 'init' ? 'transfer' : point === 'check' ? 'check' : point === 'interpose' ? 'interpose' : 'quiesce' });
      expect(r.stats.ranNew).toBe(0);
      exactlyOnce(r);
      expect(upd.version).toBe('1');
      expect(upd.results).toEqual(base.results);
      expect(upd.tree).toEqual(base.tree);
      expect(upd.fsck).toBe(0);
    }
  });
});

describe('no deadlock', () => {
  it('a call inside the module that calls the module again during block passes (recursion)', () => {
    const machine = new Machine({ cpus: 2, model: 'ppc970', seed: 5 });
    // v1 whose fsync sleeps inside the module, then calls another of its own slots through the table
    const v1 = liveRamfs('1');
    const inst = v1.instantiate;
    const recursive: ModuleDefinition = {
      ...v1,
      instantiate(mod) {
        const body = inst(mod);
        const fops = body.tables.find((t) => t.name === 'ramfs_file_operations')!.table as { fsync?: unknown; llseek?: unknown };
        fops.fsync = function* (file: { f_op: { llseek: (f: unknown, o: number, w: number) => Sim<number> } }): Sim<void> {
          yield* sleep(400_000);
          yield* file.f_op.llseek(file, 0, 0); // recursive call into this module, through its table
        };
        return body;
      },
    };
    const system = bootSystem({ engine: machine.engine, registry: new Map([['ramfs', recursive]]), live: { machine, strategy: 'counter-shared' } });
    const live = system.live!;
    const t = system.newTask();
    machine.engine.spawn('caller', function* (): Sim<void> {
      const fd = yield* sys.open(t, '/f', 0o102, 0o644);
      yield* sys.fsync(t, fd);
      yield* sys.close(t, fd);
    }, { cpu: 0 });
    let report: UpdateReport | undefined;
    machine.engine.spawn('updater', function* (): Sim<void> {
      yield* sleep(100_000);
      report = yield* live.update(system.newTask(), { module: 'ramfs', def: liveRamfs('2'), source: 'test' });
    }, { cpu: 1 });
    machine.engine.run(); // a deadlock would throw DeadlockError
    expect(report!.ok).toBe(true);
    expect(report!.stats.passedRecursive).toBeGreaterThanOrEqual(1);
    expect(report!.quiescenceVerified).toBe(true);
  });

  it('a call in interrupt context during block never blocks: deferred to softirq, it runs once, in the new code', () => {
    const machine = new Machine({ cpus: 2, model: 'ppc970', seed: 6 });
    const v1 = liveRamfs('1', { fsyncSleepUs: 300 });
    const system = bootSystem({ engine: machine.engine, registry: new Map([['ramfs', v1]]), live: { machine, strategy: 'counter-shared' } });
    const live = system.live!;
    const t = system.newTask();
    const e = machine.engine;
    let irqResult = -1;
    machine.engine.spawn('sleeper', function* (): Sim<void> {
      const fd = yield* sys.open(t, '/f', 0o102, 0o644);
      // while this fsync sleeps inside the module, the update blocks new calls;
      // an interrupt handler (a completion into the module) calls llseek
      const file = t.fds[fd]!;
      e.interrupt(1, e.now + 300_000, 'disk-done', function* () {
        irqResult = yield* (file.f_op.llseek as (f: unknown, o: number, w: number) => Sim<number>)(file, 7, 0);
      });
      yield* sys.fsync(t, fd);
      yield* sys.close(t, fd);
    }, { cpu: 0 });
    let report: UpdateReport | undefined;
    machine.engine.spawn('updater', function* (): Sim<void> {
      yield* sleep(100_000);
      report = yield* live.update(system.newTask(), { module: 'ramfs', def: liveRamfs('2'), source: 'test' });
    }, { cpu: 1 });
    machine.engine.run();
    expect(irqResult).toBe(7);
    expect(report!.ok).toBe(true);
    expect(report!.stats.deferredInterrupt).toBe(1);
    expect(report!.oldCodeRunsAfterQuiescence).toBe(0);
    expect(report!.quiescenceVerified).toBe(true);
  });
});
