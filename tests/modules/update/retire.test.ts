/**
 * The old code is retired: after a live update to another release's
 * bundle, once no thread can still run the old code, nothing of the old
 * module instance stays reachable from the running system (its bundle's
 * exports, module definition and Module object become collectable), and
 * lsmod and /sys/module show one ext3, at the new release.
 */
import { describe, it, expect } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Machine } from '../../../src/hw-ppc64/machine.ts';
import { Disk } from '../../../src/hw-ppc64/disk.ts';
import { sleep, type Sim } from '../../../src/sim/effects.ts';
import * as sys from '../../../src/vfs/syscalls.ts';
import { O_CREAT, O_RDONLY, O_RDWR } from '../../../src/uapi/fcntl.ts';
import { MODULE_REGISTRY, ext3Definition, ext3PackageDir, shippedKeyring } from '../../../src/modules/index.ts';
import { bootSystem, type System } from '../../../src/system/boot.ts';
import { loadPackageSync } from '../../../src/modules/update/load.ts';
import type { LiveUpdate, UpdateReport } from '../../../src/modules/update/manager.ts';
import { freshExt3Image } from '../../../src/system/build.ts';
import { MemoryBackend } from '../../../src/hw-ppc64/disk-backend.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Booted {
  machine: Machine;
  system: System;
  live: LiveUpdate;
  disk: Disk;
}

/**
 * Boot ext3 as root from a freshly linked release-2 package (not the
 * process's cached link), so nothing outside this system holds its code;
 * returns weak references to that bundle's objects.
 */
function bootFromFreshLink(): { b: Booted; refs: { name: string; ref: WeakRef<object> }[] } {
  const pkg = loadPackageSync(ext3PackageDir(2), shippedKeyring());
  const machine = new Machine({ cpus: 2, model: 'ppc970', seed: 7 });
  const image = freshExt3Image(16);
  const backend = new MemoryBackend(image.length);
  backend.write(0, image);
  const disk = machine.addDisk({ name: 'sda', backend });
  const system = bootSystem({
    engine: machine.engine,
    disk,
    procfs: false,
    registry: new Map([...MODULE_REGISTRY, ['ext3', pkg.def]]),
    live: { machine, strategy: 'counter-percpu' },
  });
  const live = system.live!;
  const mod = system.modules.get('ext3')!;
  const refs = [
    { name: 'the bundle exports', ref: new WeakRef(pkg.exports) },
    { name: 'the module definition', ref: new WeakRef(pkg.def) },
    { name: "the bundle's rename", ref: new WeakRef((pkg.exports['ext2_release'] as { rename: object }).rename) },
    { name: 'the Module', ref: new WeakRef(mod) },
    { name: "the module's dir inode operations", ref: new WeakRef(mod.table('ext3_dir_inode_operations')!) },
  ];
  return { b: { machine, system, live, disk }, refs };
}

/** Full collections across several jobs (a WeakRef's target stays alive until the job that made or read it ends). */
async function collect(refs: readonly { ref: WeakRef<object> }[]): Promise<void> {
  for (let i = 0; i < 20 && refs.some((r) => r.ref.deref() !== undefined); i++) {
    await new Promise((r) => setTimeout(r, 10));
    gc();
  }
}

describe('retirement of the old module instance', () => {
  it('after a 2 -> 3 update under load, the release-2 bundle is unreachable; one ext3 at release 3 is listed', async () => {
    const { b, refs } = bootFromFreshLink();
    let report: UpdateReport | undefined;
    let lsmod = '';
    let sysVersion = '';
    const updater = b.system.newTask({ name: 'updater' });
    const t = b.system.init;
    b.machine.engine.spawn('load', function* (): Sim<void> {
      yield* sys.mkdir(t, '/d', 0o755);
      for (let i = 0; i < 30; i++) {
        const fd = yield* sys.open(t, `/d/f${i % 7}`, O_CREAT | O_RDWR, 0o644);
        yield* sys.write(t, fd, new TextEncoder().encode(`x${i}`.repeat(200)));
        yield* sys.close(t, fd);
        yield* sleep(3000);
      }
    });
    // a file kept open across the update: its private data and f_op move to the new code
    b.machine.engine.spawn('updater', function* (): Sim<void> {
      const keep = yield* sys.open(updater, '/kept', O_CREAT | O_RDWR, 0o644);
      yield* sleep(20_000);
      report = yield* b.live.update(updater, { module: 'ext3', def: ext3Definition(3), source: 'built-in' });
      yield* sys.write(updater, keep, new TextEncoder().encode('after'));
      yield* sys.close(updater, keep);
      const fd = yield* sys.open(updater, '/sys/module/ext3/version', O_RDONLY);
      const buf = new Uint8Array(64);
      const n = yield* sys.read(updater, fd, buf);
      sysVersion = new TextDecoder().decode(buf.subarray(0, n)).trim();
      yield* sys.close(updater, fd);
    });
    b.machine.engine.run();
    expect(report?.error).toBeUndefined();
    expect(report?.ok).toBe(true);
    // the cached inodes crossed lazily, and the drain ended before the old module retired
    expect(report!.lazy!.handedOver).toBeGreaterThan(0);
    expect(report!.lazy!.drainedAt).not.toBeNull();
    expect(report!.lazy!.convertedOnUse + report!.lazy!.convertedByPass + report!.lazy!.dropped).toBe(report!.lazy!.handedOver);
    lsmod = b.system.modules.lsmod();
    expect(lsmod.split('\n').filter((l) => l.startsWith('ext3'))).toHaveLength(1);
    expect(b.system.modules.get('ext3')!.version).toBe('3');
    expect(sysVersion).toBe('3');
    await collect(refs);
    const alive = refs.filter((r) => r.ref.deref() !== undefined).map((r) => r.name);
    expect(alive, `still reachable after retire: ${alive.join(', ')}`).toEqual([]);
    // the system itself is alive and serving at release 3
    expect(b.system.modules.get('ext3')!.state).toBe('live');
  });
});
