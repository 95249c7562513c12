import { describe, it, expect } from 'vitest';
import { sleep, type Sim } from '../../../src/sim/effects.ts';
import { buildSystem } from '../../../src/system/build.ts';
import { ext3Definition } from '../../../src/modules/ext3-releases.ts';
import type { UpdateReport } from '../../../src/modules/update/manager.ts';
import type { QuiescenceStrategy } from '../../../src/modules/update/usecount.ts';
import { e2fsckRequired } from '../../../src/ext2/e2fsprogs.ts';
import { checkAgainstModel, spawnWorkers } from './helpers.ts';
import { PosixModel } from '../../../src/workload/model.ts';


/** e2fsck's "Inode N ref count is X, should be Y" problems, as sorted "X->Y". */
function refCountProblems(out: string): string[] {
  return [...out.matchAll(/Inode \d+ ref count is (\d+), should be (\d+)/g)].map((m) => `${m[1]}->${m[2]}`).sort();
}

function ext3UpdateUnderLoad(from: number, to: number, strategy: QuiescenceStrategy, seed: number) {
  const b = buildSystem({ cpus: 4, seed, fs: 'ext3', ext3Version: from, strategy, perturb: { preemptProbability: 0.03, maxDelayCycles: 2000 } });
  const { logs } = spawnWorkers(b.system, 6, 50, seed);
  let report: UpdateReport | undefined;
  const updater = b.system.newTask({ name: 'updater' });
  b.machine.engine.spawn('updater', function* (): Sim<void> {
    yield* sleep((from === 1 ? 1500 : 300) * 2000);
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
  ])('%s (seed %i): every result as the model of the serving release says, quiescence real, e2fsck as predicted', (strategy, seed) => {
    const { report, logs, system, disk } = ext3UpdateUnderLoad(from, to, strategy, seed);
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.format).toBe('ext3-state@2');
    expect(report.quiescenceVerified).toBe(true);
    expect(report.instances.inodes).toBeGreaterThan(0);
    expect(system.modules.get('ext3')!.version).toBe(String(to));
    // Every op against the model with the semantics of the release that
    // served it (v1's rename bug included): exact for 1 -> 2 too.
    const model = new PosixModel();
    expect(checkAgainstModel(logs, model)).toEqual([]);
    const st = report.stats;
    expect(st.ranOld + st.ranNew).toBe(st.mediated);
    // e2fsck reports exactly the link counts the model says v1 got wrong
    const fsck = e2fsckRequired(disk!.readSync(0, disk!.sizeBytes));
    const wrong = model.wrongDirLinks();
    if (from >= 2) expect(wrong).toEqual([]);
    // not vacuous: release 1 served renames before the update
    if (from === 1) expect(logs.flatMap((l) => l.releases).filter((r) => r === 1).length).toBeGreaterThan(0);
    expect(refCountProblems(fsck.out)).toEqual(wrong.map((w) => `${w.nlink}->${w.should}`).sort());
    expect(fsck.status).toBe(wrong.length === 0 ? 0 : 4);
  });
});
