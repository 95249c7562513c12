import { describe, it, expect } from 'vitest';
import { sleep, type Sim } from '../../../src/sim/effects.ts';
import { buildSystem } from '../../../src/system/build.ts';
import { ext3Definition } from '../../../src/modules/ext3-releases.ts';
import type { UpdateReport } from '../../../src/modules/update/manager.ts';
import type { QuiescenceStrategy } from '../../../src/modules/update/usecount.ts';
import { e2fsckRequired } from '../../../src/ext2/e2fsprogs.ts';
import { checkAgainstModel, spawnWorkers } from './helpers.ts';
import { PosixModel } from '../../../src/workload/model.ts';
import type { Ext2Fs } from '../../../src/ext2/fs.ts';
import type { SuperBlock } from '../../../src/vfs/super.ts';

/** The engine behind a mounted ext3 superblock (the module's ext3_sb_info, as tests/modules/ext3/hooks.test.ts reads it). */
const EXT3_SB = (sb: SuperBlock) => sb.s_fs_info as { fs: Ext2Fs };
import * as sys from '../../../src/vfs/syscalls.ts';
import { O_CREAT, O_WRONLY } from '../../../src/uapi/fcntl.ts';


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
    const fsck = e2fsckRequired(disk!.sparseImage());
    const wrong = model.wrongDirLinks();
    if (from >= 2) expect(wrong).toEqual([]);
    // not vacuous: release 1 served renames before the update
    if (from === 1) expect(logs.flatMap((l) => l.releases).filter((r) => r === 1).length).toBeGreaterThan(0);
    expect(refCountProblems(fsck.out)).toEqual(wrong.map((w) => `${w.nlink}->${w.should}`).sort());
    expect(fsck.status).toBe(wrong.length === 0 ? 0 : 4);
  });
});

describe('kjournald, the thread ext3 owns, across a live update', () => {
  it.each<[number, number]>([
    [1, 2],
    [2, 3],
  ])('%i -> %i: parked before the block window, handed to the new engine, the same thread commits its transactions', (from, to) => {
    const b = buildSystem({ cpus: 4, seed: 5, fs: 'ext3', ext3Version: from, strategy: 'counter-percpu' });
    const e = b.machine.engine;
    const sbOf = () => EXT3_SB(b.system.kernel.mounts.root!.mnt_sb);
    const oldFs = sbOf().fs;
    const kj = oldFs.kjournald!;
    expect(kj).toBeTruthy();
    const thread = kj.thread;
    const { logs } = spawnWorkers(b.system, 4, 40, 5);
    let report: UpdateReport | undefined;
    let stateInWindow = '';
    const updater = b.system.newTask({ name: 'updater' });
    e.spawn('updater', function* (): Sim<void> {
      yield* sleep(200 * 2000);
      report = yield* b.live.update(
        updater,
        { module: 'ext3', def: ext3Definition(to), source: 'built-in' },
        {
          inject(p) {
            // inside the block window, the module quiescent
            if (p === 'export') stateInWindow = kj.state;
          },
        },
      );
      commitsAtUpdate = kj.commits;
      // past the commit interval: the next operation wakes kjournald, now the new engine's
      yield* sleep(6 * 1e6 * e.cyclesPerUs);
      const fd = yield* sys.open(updater, '/after-update', O_CREAT | O_WRONLY, 0o644);
      yield* sys.write(updater, fd, new Uint8Array(5000).fill(9));
      yield* sys.close(updater, fd);
    });
    let commitsAtUpdate = -1;
    e.run();
    expect(report?.error).toBeUndefined();
    expect(report!.ok).toBe(true);
    expect(stateInWindow).toBe('parked');
    const newFs = sbOf().fs;
    expect(newFs).not.toBe(oldFs);
    expect(newFs.kjournald).toBe(kj);
    expect(oldFs.kjournald).toBeNull();
    expect(kj.thread).toBe(thread);
    expect(kj.handovers).toBe(1);
    expect(kj.state).not.toBe('parked');
    expect(newFs.journal).toBe(oldFs.journal);
    expect(commitsAtUpdate).toBeGreaterThanOrEqual(0);
    expect(kj.commits).toBeGreaterThan(commitsAtUpdate);
    expect(newFs.journal!.isEmpty()).toBe(true);
    if (from >= 2) expect(checkAgainstModel(logs)).toEqual([]);
    b.shutdown();
    expect(kj.state).toBe('stopped');
    expect(e2fsckRequired(b.disk!.sparseImage()).status).toBe(0);
  });
});
