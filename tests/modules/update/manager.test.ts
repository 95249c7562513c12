import { describe, it, expect } from 'vitest';
import { sleep, type Sim } from '../../../src/sim/effects.ts';
import type { UpdateReport, UpdateOptions } from '../../../src/modules/update/manager.ts';
import type { QuiescenceStrategy } from '../../../src/modules/update/usecount.ts';
import * as sys from '../../../src/vfs/syscalls.ts';
import { O_CREAT, O_RDWR } from '../../../src/uapi/fcntl.ts';
import { Cred } from '../../../src/vfs/task.ts';
import { checkAgainstModel, liveRamfs, liveSystem, spawnWorkers, type LiveRamfsFaults } from './helpers.ts';

/** Run a workload with an update of ramfs 1 -> 2 started at `atUs`. */
function updateUnderLoad(o: {
  strategy: QuiescenceStrategy;
  seed: number;
  faults?: LiveRamfsFaults;
  v1Faults?: LiveRamfsFaults;
  opts?: UpdateOptions;
  atUs?: number;
  threads?: number;
  ops?: number;
  uid?: number;
}) {
  const s = liveSystem({ cpus: 4, seed: o.seed, strategy: o.strategy, perturb: true, v1: liveRamfs('1', o.v1Faults) });
  const { logs } = spawnWorkers(s.system, o.threads ?? 8, o.ops ?? 60, o.seed);
  let report: UpdateReport | undefined;
  const updater = s.system.newTask({ name: 'updater', ...(o.uid !== undefined ? { cred: new Cred(o.uid, o.uid, [], 0) } : {}) });
  s.machine.engine.spawn('updater', function* (): Sim<void> {
    yield* sleep((o.atUs ?? 200) * 2000);
    report = yield* s.live.update(updater, { module: 'ramfs', def: liveRamfs('2', o.faults), source: 'test' }, o.opts);
  });
  s.machine.engine.run();
  return { ...s, logs, report: report! };
}

describe.each<QuiescenceStrategy>(['counter-shared', 'counter-percpu', 'stack-walk'])('live update with %s', (strategy) => {
  it.each([1, 2, 3])('replaces ramfs 1 -> 2 under 8 threads with every result correct (seed %i)', (seed) => {
    const converted = { inodes: 0, files: 0 };
    const { report, logs, system } = updateUnderLoad({ strategy, seed, faults: { converted } });
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.quiescenceVerified).toBe(true);
    expect(report.phases.map((p) => p.name)).toEqual(['check', 'interpose', 'block', 'quiesce', 'transfer', 'redirect', 'release', 'retire']);
    // transparency: every syscall result equals the reference model's
    expect(checkAgainstModel(logs)).toEqual([]);
    // exactly once: every call that met the mediator ran in old or new, once
    const st = report.stats;
    expect(st.ranOld + st.ranNew).toBe(st.mediated);
    expect(st.killedWhileBlocked).toBe(0);
    // the new version serves and holds every instance
    const mod = system.modules.get('ramfs')!;
    expect(mod.version).toBe('2');
    expect(converted.inodes).toBe(report.instances.inodes);
    expect(report.instances.inodes).toBeGreaterThan(0);
    for (const inode of mod.instances.inodes()) {
      const tables = mod.tables.map((t) => t.table as unknown);
      expect(tables).toContain(inode.i_op);
    }
    expect(system.modules.lsmod()).toMatch(/^ramfs\s/m);
  });
});

describe('rollback', () => {
  it.each<[string, { faults?: LiveRamfsFaults; v1Faults?: LiveRamfsFaults }, string, string]>([
    ['import throws', { faults: { importThrows: true } }, 'ENOMEM', 'transfer'],
    ['export throws', { v1Faults: { exportThrows: true } }, 'EIO', 'transfer'],
    ['snapshot fails its schema', { v1Faults: { badSnapshot: true } }, 'EINVAL', 'transfer'],
    ['new code drops a slot', { faults: { dropFsync: true } }, 'EINVAL', 'check'],
  ])('%s: the old version keeps serving and nothing is lost', (_n, f, code, phase) => {
    const { report, logs, system } = updateUnderLoad({ strategy: 'counter-shared', seed: 7, ...f });
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe(code);
    expect(report.error?.phase).toBe(phase);
    expect(system.modules.get('ramfs')!.version).toBe('1');
    expect(checkAgainstModel(logs)).toEqual([]);
    expect(report.stats.ranNew).toBe(0);
    expect(report.stats.ranOld).toBe(report.stats.mediated);
  });

  it('a thread sleeping inside the module: timeout, the report names it, rollback', () => {
    const s = liveSystem({ cpus: 2, seed: 3, strategy: 'counter-shared', v1: liveRamfs('1', { fsyncSleepUs: 50_000 }) });
    const task = s.system.newTask({ name: 'sleeper' });
    let report: UpdateReport | undefined;
    s.machine.engine.spawn('sleeper', function* (): Sim<void> {
      const fd = yield* sys.open(task, '/f', O_CREAT | O_RDWR, 0o644);
      yield* sys.fsync(task, fd);
      yield* sys.close(task, fd);
    }, { cpu: 0 });
    const updater = s.system.newTask({ name: 'updater' });
    s.machine.engine.spawn('updater', function* (): Sim<void> {
      yield* sleep(100 * 2000);
      report = yield* s.live.update(updater, { module: 'ramfs', def: liveRamfs('2'), source: 'test' }, { timeoutUs: 1000, tries: 2, backoffUs: 100 });
    }, { cpu: 1 });
    s.machine.engine.run();
    expect(report!.ok).toBe(false);
    expect(report!.error?.code).toBe('ETIMEDOUT');
    expect(report!.triesUsed).toBe(2);
    expect(report!.stuck).toEqual([{ tid: expect.any(Number), name: 'sleeper', fn: 'ramfs_file_operations.fsync' }]);
    expect(report!.error?.message).toMatch(/sleeper in ramfs_file_operations\.fsync/);
    expect(s.system.modules.get('ramfs')!.version).toBe('1');
  });
});

describe('check', () => {
  it('an unprivileged caller gets EPERM and nothing changes', () => {
    const { report, system } = updateUnderLoad({ strategy: 'counter-shared', seed: 1, uid: 1000, threads: 2, ops: 10 });
    expect(report.error?.code).toBe('EPERM');
    expect(system.modules.get('ramfs')!.version).toBe('1');
  });

  it('a second update while one runs fails with EBUSY', () => {
    const s = liveSystem({ cpus: 2, seed: 2, strategy: 'counter-shared', v1: liveRamfs('1', { fsyncSleepUs: 2000 }) });
    const t = s.system.newTask({ name: 'x' });
    s.machine.engine.spawn('sleeper', function* (): Sim<void> {
      const fd = yield* sys.open(t, '/f', O_CREAT | O_RDWR, 0o644);
      yield* sys.fsync(t, fd);
      yield* sys.close(t, fd);
    }, { cpu: 0 });
    const reports: UpdateReport[] = [];
    for (const delayUs of [50, 100]) {
      s.machine.engine.spawn(`updater@${delayUs}`, function* (): Sim<void> {
        yield* sleep(delayUs * 2000);
        reports.push(yield* s.live.update(s.system.newTask(), { module: 'ramfs', def: liveRamfs('2'), source: 'test' }));
      }, { cpu: 1 });
    }
    s.machine.engine.run();
    const codes = reports.map((r) => r.error?.code ?? 'ok').sort();
    expect(codes).toEqual(['EBUSY', 'ok']);
    expect(s.system.modules.get('ramfs')!.version).toBe('2');
  });

  it('a downgrade needs allowDowngrade; "none" cannot update; "refcount" is EBUSY while mounted', () => {
    const s = liveSystem({ cpus: 1, seed: 1, strategy: 'counter-shared', v1: liveRamfs('3') });
    const r1 = s.system.exec(function* (t) { return yield* s.live.update(t, { module: 'ramfs', def: liveRamfs('2'), source: 'test' }); });
    expect(r1.error?.code).toBe('EPERM');
    expect(r1.error?.message).toMatch(/downgrade/);
    const r2 = s.system.exec(function* (t) { return yield* s.live.update(t, { module: 'ramfs', def: liveRamfs('2'), source: 'test' }, { allowDowngrade: true }); });
    expect(r2.ok).toBe(true);
    for (const [strategy, code] of [['none', 'EINVAL'], ['refcount', 'EBUSY']] as const) {
      const s2 = liveSystem({ cpus: 1, seed: 1, strategy });
      const r = s2.system.exec(function* (t) { return yield* s2.live.update(t, { module: 'ramfs', def: liveRamfs('2'), source: 'test' }); });
      expect(r.error?.code).toBe(code);
      expect(s2.system.modules.get('ramfs')!.version).toBe('1');
    }
  });
});
