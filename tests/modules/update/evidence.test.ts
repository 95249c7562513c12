/**
 * Each strategy's evidence, against the engine's ground truth (the oracle).
 *
 * A module-owned thread (a kthread whose entry function is module text,
 * started by the module's init) is inside the module without ever entering
 * it through an exported slot: the counters never count it, the stack walk
 * sees it on the call chain the engine keeps. So under the counters the
 * update goes ahead while the kthread runs the old code, and the oracle
 * reports the quiescence as not real; under stack-walk the update waits for
 * it, times out naming it, and rolls back. The reverse case (a call the
 * counters see but the walk misses) does not exist in this model: the walk
 * reads the same call chain the engine keeps for every module function.
 *
 * Also: under stack-walk the slots carry no per-call cost (the same cycles
 * per call as the uninstrumented baseline), and the module's own threads
 * stopping lets the walk declare quiescence.
 */
import { describe, it, expect } from 'vitest';
import { block, sleep, type Sim } from '../../../src/sim/effects.ts';
import type { WaitQueue } from '../../../src/sim/waitqueue.ts';
import { Machine } from '../../../src/hw-ppc64/machine.ts';
import { bootSystem } from '../../../src/system/boot.ts';
import type { UpdateReport } from '../../../src/modules/update/manager.ts';
import type { QuiescenceStrategy } from '../../../src/modules/update/usecount.ts';
import type { ModuleDefinition } from '../../../src/modules/core/module.ts';
import * as sys from '../../../src/vfs/syscalls.ts';
import { O_CREAT, O_RDWR } from '../../../src/uapi/fcntl.ts';
import { liveRamfs } from './helpers.ts';

interface Kthread {
  stop: boolean;
  ticks: number;
  wq: WaitQueue | null;
}

/** ramfs v1 whose init starts a kthread that waits inside the module for work until `stop`. */
function ramfsWithKthread(ctl: Kthread): ModuleDefinition {
  const v1 = liveRamfs('1');
  return {
    ...v1,
    instantiate(mod) {
      const body = v1.instantiate(mod);
      return {
        ...body,
        *init(k) {
          yield* body.init(k);
          const wq = k.engine.waitQueue(`k${mod.name}d work`);
          ctl.wq = wq;
          k.engine.spawn(
            `k${mod.name}d`,
            function* (): Sim<void> {
              while (!ctl.stop) {
                ctl.ticks++;
                yield* block(wq);
              }
            },
            { daemon: true, text: { module: `${mod.name}@${mod.version}`, fn: 'ramfs_kthread' } },
          );
        },
      };
    },
  };
}

function runWithKthread(strategy: QuiescenceStrategy): { report: UpdateReport; ticks: number } {
  const ctl: Kthread = { stop: false, ticks: 0, wq: null };
  const machine = new Machine({ cpus: 2, model: 'ppc970', seed: 3 });
  const system = bootSystem({ engine: machine.engine, registry: new Map([['ramfs', ramfsWithKthread(ctl)]]), live: { machine, strategy } });
  const live = system.live!;
  let report: UpdateReport | null = null;
  machine.engine.spawn('updater', function* (): Sim<void> {
    yield* sleep(200_000);
    report = yield* live.update(system.newTask({ name: 'updater' }), { module: 'ramfs', def: liveRamfs('2'), source: 'test' }, { timeoutUs: 2000 });
    ctl.stop = true;
    ctl.wq!.wakeAll();
  });
  machine.engine.run();
  return { report: report!, ticks: ctl.ticks };
}

describe("each strategy's evidence against the oracle: a module-owned thread", () => {
  it.each<QuiescenceStrategy>(['counter-shared', 'counter-percpu'])('%s: the counters miss the kthread; the oracle says the quiescence was not real', (strategy) => {
    const { report, ticks } = runWithKthread(strategy);
    expect(ticks).toBeGreaterThan(0);
    expect(report.ok).toBe(true);
    expect(report.quiescenceVerified).toBe(false);
  });

  it('stack-walk: the walk sees the kthread on its call chain, waits, names it and rolls back', () => {
    const { report } = runWithKthread('stack-walk');
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('ETIMEDOUT');
    expect(report.stuck.map((s) => s.fn)).toEqual(['ramfs_kthread']);
    expect(report.error!.message).toContain('kramfsd in ramfs_kthread');
  });
});

describe('stack-walk: no per-call cost', () => {
  function cyclesPerCall(strategy: QuiescenceStrategy): number {
    const machine = new Machine({ cpus: 1, model: 'ppc970', seed: 1 });
    const system = bootSystem({ engine: machine.engine, registry: new Map([['ramfs', liveRamfs('1')]]), live: { machine, strategy } });
    const t = system.newTask();
    const e = machine.engine;
    let per = 0;
    e.spawn('reader', function* (): Sim<void> {
      const fd = yield* sys.open(t, '/f', O_CREAT | O_RDWR, 0o644);
      yield* sys.pwrite(t, fd, new Uint8Array(4096), 0);
      const start = e.now;
      const buf = new Uint8Array(4096);
      for (let i = 0; i < 100; i++) yield* sys.pread(t, fd, buf, 0);
      per = (e.now - start) / 100;
    });
    e.run();
    return per;
  }

  it('pread costs the same cycles as the uninstrumented baseline, less than with a counter', () => {
    const none = cyclesPerCall('none');
    expect(cyclesPerCall('stack-walk')).toBe(none);
    expect(cyclesPerCall('counter-percpu')).toBeGreaterThan(none);
  });
});
