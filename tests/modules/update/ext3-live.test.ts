import { describe, it, expect } from 'vitest';
import { sleep, type Sim } from '../../../src/sim/effects.ts';
import { buildSystem } from '../../../src/system/build.ts';
import { ext3Definition } from '../../../src/modules/ext3/index.ts';
import type { UpdateReport } from '../../../src/modules/update/manager.ts';
import type { QuiescenceStrategy } from '../../../src/modules/update/usecount.ts';
import { e2fsckRequired } from '../../../src/ext2/e2fsprogs.ts';
import { checkAgainstModel, spawnWorkers } from './helpers.ts';


function ext3UpdateUnderLoad(from: number, to: number, strategy: QuiescenceStrategy, seed: number) {
  const b = buildSystem({ cpus: 4, seed, fs: 'ext3', ext3Version: from, strategy, perturb: { preemptProbability: 0.03, maxDelayCycles: 2000 } });
  const { logs } = spawnWorkers(b.system, 6, 50, seed);
  let report: UpdateReport | undefined;
  const updater = b.system.newTask({ name: 'updater' });
  b.machine.engine.spawn('updater', function* (): Sim<void> {
    yield* sleep(300 * 2000);
    report = yield* b.live.update(updater, { module: 'ext3', def: ext3Definition(to), source: 'built-in' });
  });
  b.machine.engine.run();
  b.shutdown();
  return { ...b, logs, report: report! };
}

describe.each<[number, number]>([
  [1, 2],
  [2, 3],
])('ext3 %i -> %i live, under load', (from, to) => {
  it.each<[QuiescenceStrategy, number]>([
    ['counter-shared', 1],
    ['counter-percpu', 2],
    ['stack-walk', 3],
  ])('%s (seed %i): every result right, quiescence real, e2fsck clean', (strategy, seed) => {
    const { report, logs, system, disk } = ext3UpdateUnderLoad(from, to, strategy, seed);
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.format).toBe('ext3-state@2');
    expect(report.quiescenceVerified).toBe(true);
    expect(report.instances.inodes).toBeGreaterThan(0);
    expect(system.modules.get('ext3')!.version).toBe(String(to));
    // Release 1 too, exactly: v1's bug (a directory renamed to another parent
    // leaves both parents' link counts unchanged) shows in a result or on the
    // image only if a directory moves between parents while v1 serves; these
    // seeds' workers make no such move before the update (the rename suite
    // asserts the bug itself as v1's known failure). So the model's results
    // are also v1's here; a seed that hit the bug would fail below, naming the
    // op, or in e2fsck's link-count check.
    expect(checkAgainstModel(logs)).toEqual([]);
    const st = report.stats;
    expect(st.ranOld + st.ranNew).toBe(st.mediated);
    const fsck = e2fsckRequired(disk!.readSync(0, disk!.sizeBytes));
    expect(fsck.out).toBe(fsck.status === 0 ? fsck.out : '(clean)');
    expect(fsck.status).toBe(0);
  });
});
