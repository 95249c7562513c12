/**
 * Interrupt-context calls into a module under update (issue: "44 old-code
 * runs during transfer"). Interrupt handlers call the module's llseek every
 * 3,000 cycles on every CPU while fsstress runs and the module is updated.
 * The probe counts, from inside the old code itself, how often it ran
 * after quiescence (transfer and redirect): it must be zero, every
 * interrupt-context call must still run exactly once, and the manager's
 * continuous oracle must agree. ramfs and ext3, every strategy.
 */
import { describe, it, expect } from 'vitest';
import { sleep, type Sim } from '../../../src/sim/effects.ts';
import { Machine } from '../../../src/hw-ppc64/machine.ts';
import type { Engine } from '../../../src/sim/engine.ts';
import { bootSystem } from '../../../src/system/boot.ts';
import type { LiveUpdate, UpdateReport } from '../../../src/modules/update/manager.ts';
import type { QuiescenceStrategy } from '../../../src/modules/update/usecount.ts';
import type { ModuleDefinition } from '../../../src/modules/core/module.ts';
import type { FileOperations } from '../../../src/vfs/ops.ts';
import type { OpenFile } from '../../../src/vfs/file.ts';
import type { Task } from '../../../src/vfs/task.ts';
import { buildSystem } from '../../../src/system/build.ts';
import { ext3Definition } from '../../../src/modules/ext3-releases.ts';
import * as sys from '../../../src/vfs/syscalls.ts';
import { O_CREAT, O_RDWR } from '../../../src/uapi/fcntl.ts';
import { checkAgainstModel, liveRamfs, spawnWorkers } from './helpers.ts';

const STRATEGIES: QuiescenceStrategy[] = ['counter-shared', 'counter-percpu', 'stack-walk'];
const AFTER_QUIESCENCE = new Set(['transfer', 'redirect']);

interface Probe {
  oldRunsAfterQuiescence: number;
  calls: number;
  returned: number;
}

/** ramfs v1 whose llseek notes each run it makes after quiescence (the probe lives in the old code). */
function probedRamfs(probe: Probe, live: () => LiveUpdate): ModuleDefinition {
  const v1 = liveRamfs('1');
  return {
    ...v1,
    instantiate(mod) {
      const body = v1.instantiate(mod);
      const fops = body.tables.find((t) => t.kind === 'file_operations')!.table as FileOperations;
      const llseek = fops.llseek!;
      fops.llseek = function* (file: OpenFile, off: number, whence: number): Sim<number> {
        if (AFTER_QUIESCENCE.has(live().statusOf('ramfs').phase)) probe.oldRunsAfterQuiescence++;
        return yield* llseek(file, off, whence);
      };
      return body;
    },
  };
}

/**
 * Every `period` cycles an interrupt on the next CPU calls llseek on `file`
 * (a completion handler into the module), until `stop()`.
 */
function interruptStorm(e: Engine, file: () => OpenFile | null, period: number, probe: Probe, stop: () => boolean): void {
  let k = 0;
  const tick = (): void => {
    if (stop()) return;
    const f = file();
    const cpu = k++ % e.cpus.length;
    if (f) {
      e.interrupt(cpu, e.now, `irq${cpu}`, function* () {
        const want = probe.calls++ % 4096;
        const got = yield* (f.f_op.llseek as (f: OpenFile, o: number, w: number) => Sim<number>)(f, want, 0);
        expect(got).toBe(want);
        probe.returned++;
      });
    }
    e.after(period, tick);
  };
  e.after(period, tick);
}

function* openProbeFile(t: Task, path: string): Sim<OpenFile> {
  const fd = yield* sys.open(t, path, O_CREAT | O_RDWR, 0o644);
  return t.fds[fd]!;
}

describe('interrupt-context calls during an update (every 3,000 cycles, every CPU)', () => {
  it.each(STRATEGIES)('ramfs 1 -> 2, %s: no old-code run after quiescence, every call runs once', (strategy) => {
    for (const seed of [1, 2]) {
      const probe: Probe = { oldRunsAfterQuiescence: 0, calls: 0, returned: 0 };
      let liveRef: LiveUpdate | null = null;
      const machine = new Machine({ cpus: 4, model: 'ppc970', seed, perturb: { preemptProbability: 0.05, maxDelayCycles: 2000 } });
      const system = bootSystem({ engine: machine.engine, registry: new Map([['ramfs', probedRamfs(probe, () => liveRef!)]]), live: { machine, strategy } });
      const live = system.live!;
      liveRef = live;
      const e = machine.engine;
      const { logs } = spawnWorkers(system, 4, 40, seed);
      let file: OpenFile | null = null;
      let report: UpdateReport | null = null;
      const t = system.newTask({ name: 'irq-owner' });
      e.spawn('irq-owner', function* (): Sim<void> {
        file = yield* openProbeFile(t, '/irqf');
      });
      interruptStorm(e, () => file, 3000, probe, () => report !== null);
      e.spawn('updater', function* (): Sim<void> {
        yield* sleep(200_000);
        report = yield* live.update(system.newTask({ name: 'updater' }), { module: 'ramfs', def: liveRamfs('2'), source: 'test' });
      });
      e.run();
      const r = report!;
      expect(r.ok).toBe(true);
      expect(probe.oldRunsAfterQuiescence).toBe(0);
      expect(r.oldCodeRunsAfterQuiescence).toBe(0);
      expect(r.quiescenceVerified).toBe(true);
      expect(r.stats.deferredInterrupt).toBeGreaterThan(0);
      expect(probe.returned).toBe(probe.calls);
      expect(r.stats.ranOld + r.stats.ranNew + r.stats.killedWhileBlocked).toBe(r.stats.mediated);
      expect(checkAgainstModel(logs)).toEqual([]);
    }
  });

  it.each(STRATEGIES)('ext3 2 -> 3, %s: the oracle sees no old-code run after quiescence', (strategy) => {
    const b = buildSystem({ cpus: 4, seed: 7, fs: 'ext3', ext3Version: 2, strategy, perturb: { preemptProbability: 0.03, maxDelayCycles: 2000 } });
    const e = b.machine.engine;
    const probe: Probe = { oldRunsAfterQuiescence: 0, calls: 0, returned: 0 };
    const { logs } = spawnWorkers(b.system, 4, 30, 7);
    let file: OpenFile | null = null;
    let report: UpdateReport | null = null;
    const t = b.system.newTask({ name: 'irq-owner' });
    e.spawn('irq-owner', function* (): Sim<void> {
      file = yield* openProbeFile(t, '/irqf');
    });
    interruptStorm(e, () => file, 3000, probe, () => report !== null);
    e.spawn('updater', function* (): Sim<void> {
      yield* sleep(600_000);
      report = yield* b.live.update(b.system.newTask({ name: 'updater' }), { module: 'ext3', def: ext3Definition(3), source: 'test' });
    });
    e.run();
    b.shutdown();
    const r = report!;
    expect(r.ok).toBe(true);
    expect(r.oldCodeRunsAfterQuiescence).toBe(0);
    expect(r.quiescenceVerified).toBe(true);
    expect(r.stats.deferredInterrupt).toBeGreaterThan(0);
    expect(probe.returned).toBe(probe.calls);
    expect(checkAgainstModel(logs)).toEqual([]);
  });
});
