/**
 * A fuzz worker's memory stays flat: a case's machine is garbage once the
 * job that ran it ends. The kernel's superblock table holds WeakRefs, and a
 * WeakRef's target stays alive until the current job ends, so a sweep that
 * ran every seed in one synchronous job kept every case's machine and disk
 * (~10 MB a seed, OOM after a few hundred). The sweep ends a job after each
 * seed (fuzz-pool.ts endJob); this checks that a booted and dropped system
 * is then collectable, i.e. that nothing else (a registry, a cache keyed by
 * the system) holds it.
 */
import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildSystem } from '../../src/system/build.ts';
import { endJob } from '../../src/cli/fuzz-pool.ts';
import { requireE2fsprogs } from '../ext2/helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('fuzz memory', () => {
  it('a booted ext3 system, dropped without unmounting, is collected once the job ends', async () => {
    requireE2fsprogs();
    const refs: WeakRef<object>[] = [];
    // in a function of its own, as runSeed is: nothing of a case stays in the (suspended) test's frame
    const boot = (seed: number): void => {
      const b = buildSystem({ cpus: 2, seed, fs: 'ext3', ext3Version: 2, strategy: 'counter-shared' });
      refs.push(new WeakRef(b.machine), new WeakRef(b.disk!));
      // mounted: the superblock table names this system's superblock
      expect(b.system.kernel.mounts.list.length).toBeGreaterThan(0);
    };
    for (let seed = 1; seed <= 3; seed++) boot(seed);
    // A collection the engine began during the job (marking the then-kept systems
    // live) finishes first; so a few rounds, each after the job ends. A system that
    // something still holds survives them all.
    const alive = async (): Promise<number> => {
      await endJob();
      gc();
      return refs.filter((r) => r.deref() !== undefined).length;
    };
    let left = await alive();
    for (let round = 0; round < 4 && left > 0; round++) left = await alive();
    expect(left).toBe(0);
  }, 60_000);
});
