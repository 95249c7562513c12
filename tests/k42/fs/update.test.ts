/**
 * Dynamic update of the K42 file service under a concurrent fsstress load:
 * v1 -> v2 (code change) and v2 -> v3 (per-inode structure change), eager
 * and lazy. Invariants: every operation completes exactly once; results
 * equal the reference model and a run without update; only calls to the
 * object being swapped wait (others complete meanwhile); the final tree
 * equals the run without update; e2fsck -fn is clean after unmount.
 */
import { describe, it, expect } from 'vitest';
import { DTT_FACTORY_DEFAULT } from '../../../src/k42/index.ts';
import { DTT_EXT2_STATE, DTT_K42FS_INODE_GOAL, FileInodeRoot, updateK42FileService, type K42FsUpdateResult, type K42FsVersion } from '../../../src/k42/fs/index.ts';
import { type FsWorkloadResult } from '../../../src/workload/run.ts';
import { runK42Workload } from '../../../src/workload/k42-driver.ts';
import { inRequest, mismatches, modelOf, runOps, service, type FsOp } from './helpers.ts';
import { e2fsckRequired } from '../../../src/ext2/e2fsprogs.ts';
import { sweep } from '../../scale.ts';
// the K42 file service's objects run the ext3 release packages' code: load them
import '../../../src/modules/ext3-releases.ts';

const CPUS = 4;
const THREADS = 6;
const OPS = 150;

const baselines = new Map<string, FsWorkloadResult>();
function baseline(seed: number, version: K42FsVersion): FsWorkloadResult {
  const k = `${seed}/${version}`;
  let r = baselines.get(k);
  if (!r) {
    r = runK42Workload({ cpus: CPUS, threads: THREADS, opsPerThread: OPS, seed, fromVersion: version });
    baselines.set(k, r);
  }
  return r;
}

/** Ops in progress during a BLOCK window of a swap of the given kind of object that did not wait. */
function proceededDuringBlock(r: FsWorkloadResult, objects: RegExp): number {
  const windows = r.update!.swaps
    .filter((s) => objects.test(s.object) && s.completedAt >= 0)
    .map((s) => [s.phases.find((p) => p.phase === 'block')?.t ?? s.completedAt, s.completedAt] as const);
  return r.ops.flat().filter((x) => !x.blocked && windows.some(([a, b]) => x.start <= b && x.end >= a)).length;
}

// npm test runs the first four (each kind of update, eager and lazy); test:full all six
const CASES: { from: K42FsVersion; to: K42FsVersion; mode: 'eager' | 'lazy'; seed: number }[] = [
  { from: 1, to: 2, mode: 'eager', seed: 11 },
  { from: 1, to: 2, mode: 'lazy', seed: 12 },
  { from: 2, to: 3, mode: 'eager', seed: 13 },
  { from: 2, to: 3, mode: 'lazy', seed: 14 },
  { from: 2, to: 3, mode: 'eager', seed: 15 },
  { from: 1, to: 2, mode: 'eager', seed: 16 },
];

describe('K42 file service: live update under load', () => {
  for (const c of CASES.slice(0, sweep(4, CASES.length))) {
    it(`v${c.from} -> v${c.to} ${c.mode}, ${CPUS} CPUs x ${THREADS} threads x ${OPS} ops, seed ${c.seed}`, () => {
      const r = runK42Workload({ cpus: CPUS, threads: THREADS, opsPerThread: OPS, seed: c.seed, fromVersion: c.from, toVersion: c.to, mode: c.mode, updateAt: { ops: 4 * THREADS } });
      const u = r.update!;
      expect(u.ok, u.error).toBe(true);
      // exactly once: every operation has one record, in order
      for (const l of r.ops) expect(l.map((x) => x.index)).toEqual([...Array(OPS).keys()]);
      // transparency: the model's results, and those of a run without update
      expect(mismatches(r, THREADS)).toEqual([]);
      const base = baseline(c.seed, c.to);
      expect(r.results).toEqual(base.results);
      expect(r.finalTree).toEqual(base.finalTree);
      // the update really happened, object by object
      expect(r.detail.superVersion).toBe(c.to);
      expect(r.detail.objectVersions[`v${c.from}`]).toBeUndefined();
      if (c.mode === 'eager') expect(Object.keys(r.detail.objectVersions)).toEqual([`v${c.to}`]);
      const k = r.detail.k42Update!;
      expect(k.superSwitch!.dtt).toBe(DTT_EXT2_STATE);
      expect(k.inodes!.factorySwitch!.dtt).toBe(DTT_FACTORY_DEFAULT);
      for (const s of k.inodes!.instanceSwitches) expect(s.dtt).toBe(DTT_K42FS_INODE_GOAL);
      if (c.mode === 'eager') expect(k.inodes!.converted).toBe(k.inodes!.instances);
      // the file system kept working during the update, and only swapped objects made calls wait
      expect(r.workDoneDuringUpdate).toBeGreaterThan(0);
      expect(r.shareOfCallsThatWaited).toBeLessThan(0.2);
      expect(proceededDuringBlock(r, /^ino/)).toBeGreaterThan(0);
      expect(r.ops.flat().filter((x) => !x.blocked && x.end >= u.startedAt && x.end <= u.endedAt).length).toBeGreaterThan(0);
      expect(r.ops.flat().filter((x) => x.blocked).length).toBeLessThanOrEqual(r.callsBlocked);
      const f = e2fsckRequired(r.sparseImage);
      expect(f.status, f.out).toBe(0);
    });
  }
});

describe('K42 file service: update details', () => {
  const bugOps: FsOp[] = [
    { kind: 'mkdir', path: '/a', mode: 0o755 },
    { kind: 'mkdir', path: '/b', mode: 0o755 },
    { kind: 'mkdir', path: '/a/d', mode: 0o755 },
    { kind: 'rename', from: '/a/d', to: '/b/d' },
    { kind: 'stat', path: '/a' },
    { kind: 'stat', path: '/b' },
  ];

  it('v1 has the rename link-count bug (e2fsck rc 4); after a live v1 -> v2 update the same rename is right and the image clean', () => {
    const v1 = service(1);
    expect(runOps(v1, bugOps).slice(4)).toEqual([{ ok: true, value: 'dir - 3' }, { ok: true, value: 'dir - 2' }]);
    inRequest(v1, () => v1.unmount());
    expect(e2fsckRequired(v1.image()).status).toBe(4);

    const up = service(1);
    runOps(up, bugOps.slice(0, 3));
    const u = inRequest(up, () => updateK42FileService(up, 2));
    expect(u.ok).toBe(true);
    expect(runOps(up, bugOps.slice(3))).toEqual(modelOf(bugOps).slice(3));
    inRequest(up, () => up.unmount());
    const f = e2fsckRequired(up.image());
    expect(f.status, f.out).toBe(0);
  });

  it('refuses an update that is not to the next version, changing nothing', () => {
    const svc = service(1);
    runOps(svc, bugOps.slice(0, 2));
    const u: K42FsUpdateResult = inRequest(svc, () => updateK42FileService(svc, 3));
    expect(u.ok).toBe(false);
    expect(u.error).toMatch(/only to 2/);
    expect(svc.superRoot().version).toBe(1);
    expect(svc.factory().version).toBe(1);
  });

  it('v2 -> v3 converts each inode in its own transfer; the engine caches the converted inode objects', () => {
    const svc = service(2, 3, 2);
    const ops: FsOp[] = [{ kind: 'mkdir', path: '/d', mode: 0o755 }];
    for (let i = 0; i < 6; i++) {
      ops.push({ kind: 'create', path: `/d/f${i}`, mode: 0o644 });
      ops.push({ kind: 'write', path: `/d/f${i}`, offset: 0, length: 3000 + i, seed: i + 1 });
    }
    runOps(svc, ops);
    const before = new Map([...svc.server.table.values()].map((n) => [n.ino, (svc.cos.ott.missHandlerOf(n.ref) as FileInodeRoot).state!.info]));
    for (const info of before.values()) expect(info.alloc.layout).toBe('goal');
    const u = inRequest(svc, () => updateK42FileService(svc, 3, 'eager'));
    expect(u.ok).toBe(true);
    expect(u.inodes!.converted).toBe(svc.server.table.size);
    const fs = svc.superRoot().fs;
    expect(fs.logic.version).toBe(3);
    for (const n of svc.server.table.values()) {
      const root = svc.cos.ott.missHandlerOf(n.ref) as FileInodeRoot;
      expect(root.version).toBe(3);
      expect(root.state!.info.alloc.layout).toBe('rsv');
      expect(root.state!.info).not.toBe(before.get(n.ino)); // converted into a new structure ...
      expect(fs.icache.get(n.ino)).toBe(root.state!.info); // ... which the new engine caches
    }
    // and the file system carries on: contents intact, new writes use reservation windows
    const more: FsOp[] = [{ kind: 'write', path: '/d/f0', offset: 3000, length: 9000, seed: 99 }, { kind: 'stat', path: '/d/f0' }];
    expect(runOps(svc, more)).toEqual([{ ok: true, value: 9000 }, { ok: true, value: 'file 12000 1' }]);
    expect(fs.rsvWindows.size).toBeGreaterThan(0);
    inRequest(svc, () => svc.unmount());
    const f = e2fsckRequired(svc.image());
    expect(f.status, f.out).toBe(0);
  });
});
