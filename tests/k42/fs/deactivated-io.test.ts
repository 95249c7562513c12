/**
 * K42 request threads leave the generation count while they wait for the
 * disk or a lock (src/k42/fs/deactivated-waits.ts), and the hazards that
 * come with it:
 *   - a swap of another object completes while a request waits for the
 *     disk, without waiting for it (and the request's result is right);
 *   - the superblock object's transfer waits for a call inside its engine
 *     even though that call is deactivated (its gate, not a mount lock);
 *   - a call that waited for an inode lock across a superblock swap finds
 *     the old engine retired and re-enters the object (no call on the old
 *     engine after the snapshot);
 *   - a directory's name-cache update after a wait lands on the object
 *     that serves the directory now, not on the one swapped out meanwhile.
 * Each case checks the results against the reference model and e2fsck -fn.
 */
import { describe, it, expect } from 'vitest';
import { sleep, type Sim } from '../../../src/sim/effects.ts';
import type { SimThread } from '../../../src/sim/thread.ts';
import type { CORef, SwitchResult } from '../../../src/k42/index.ts';
import { Ext2SuperRoot, FileInodeRoot, type FileInodeFactory, type K42FileService } from '../../../src/k42/fs/index.ts';
import { runFsOp } from '../../../src/workload/k42-ops.ts';
import type { OpResult } from '../../../src/workload/fsstress.ts';
import { e2fsckRequired } from '../../../src/ext2/e2fsprogs.ts';
import { inRequest, modelOf, runOps, service, type FsOp } from './helpers.ts';

const US = 2000; // cycles per µs on the ppc970 model (checked below)
const SETUP: FsOp[] = [
  { kind: 'mkdir', path: '/a', mode: 0o755 },
  { kind: 'create', path: '/a/f', mode: 0o644 },
  { kind: 'write', path: '/a/f', offset: 0, length: 3000, seed: 7 },
  { kind: 'mkdir', path: '/b', mode: 0o755 },
  { kind: 'create', path: '/b/x', mode: 0o644 },
];

interface Timed {
  thread?: SimThread;
  result: OpResult | null;
  end: number;
}

/**
 * Start `body` as a K42 request on `cpu` after `delayUs`. The delay is slept
 * by a plain thread (a client), not by the request: a request that sleeps
 * while active would hold every swap on its CPU back, as it should.
 */
function later(svc: K42FileService, name: string, cpu: number, delayUs: number, body: () => Sim<void>): void {
  svc.m.engine.spawn(`client of ${name}`, function* (): Sim<void> {
    if (delayUs > 0) yield* sleep(delayUs * US);
    yield* svc.m.engine.join(svc.cos.spawnRequest(name, body, { cpu }));
  }, { cpu });
}

/** One operation in its own request thread on `cpu`, started after `delayUs`. */
function spawnOp(svc: K42FileService, op: FsOp, cpu: number, delayUs: number): Timed {
  const t: Timed = { result: null, end: -1 };
  later(svc, `op ${op.kind}`, cpu, delayUs, function* (): Sim<void> {
    t.result = yield* runFsOp(svc, op);
    t.end = svc.m.engine.now;
  });
  return t;
}

/** The inode number of `name` in directory `dir` (a call through the superblock object). */
function ino(svc: K42FileService, dir: number, name: string): number {
  return inRequest(svc, function* () {
    return yield* (yield* svc.cos.DREF(svc.superRef)).lookup(dir, name);
  });
}

/** Swap the object at `ref` to a replacement of the same version, from a request thread on `cpu` after `delayUs`. */
function spawnSwap(svc: K42FileService, make: () => { ref: CORef; root: Ext2SuperRoot | FileInodeRoot }, cpu: number, delayUs: number): { r: SwitchResult | null } {
  const out = { r: null as SwitchResult | null };
  later(svc, 'swapper', cpu, delayUs, function* (): Sim<void> {
    const { ref, root } = make();
    out.r = yield* svc.cos.switchCObj(ref, root, 'destroyWhenDone');
  });
  return out;
}

/** A test thread (not a K42 request) holding inode `n`'s lock for writing for `us`, from `delayUs`. */
function holdInodeLock(svc: K42FileService, n: number, delayUs: number, us: number): void {
  svc.m.engine.spawn('lock holder', function* (): Sim<void> {
    if (delayUs > 0) yield* sleep(delayUs * US);
    const sem = svc.superRoot().locks.sem(n);
    yield* sem.down_write();
    yield* sleep(us * US);
    yield* sem.up_write();
  }, { cpu: 1 });
}

function sameVersionDir(svc: K42FileService, n: number): () => { ref: CORef; root: FileInodeRoot } {
  return () => {
    const ref = svc.server.table.get(n)!.ref;
    const fac = svc.factory() as unknown as FileInodeFactory;
    return { ref, root: fac.createReplacement(ref, svc.cos.ott.missHandlerOf(ref)!) as FileInodeRoot };
  };
}

function sameVersionSuper(svc: K42FileService): () => { ref: CORef; root: Ext2SuperRoot } {
  return () => {
    const old = svc.superRoot();
    return { ref: svc.superRef, root: new Ext2SuperRoot(svc.cos, old.version, old.dev, svc.now, null, { ref: svc.superRef }) };
  };
}

function unmountClean(svc: K42FileService): void {
  inRequest(svc, () => svc.unmount());
  const f = e2fsckRequired(svc.image());
  expect(f.status, f.out).toBe(0);
}

describe('K42 file service: requests wait for I/O outside the generation count', () => {
  it('the model machine runs at 2,000 cycles per µs (the delays below assume it)', () => {
    expect(service(2).m.engine.cyclesPerUs).toBe(US);
  });

  it('a swap of another object completes while a request waits for the disk, and does not wait for it', () => {
    const svc = service(2);
    expect(runOps(svc, SETUP).every((r) => r.ok)).toBe(true);
    const b = ino(svc, 2, 'b');
    // the request's commit (fsync after a write) stalls 3 ms on its first disk write
    const w: FsOp = { kind: 'write', path: '/a/f', offset: 100, length: 500, seed: 9 };
    const wr = spawnOp(svc, w, 0, 0);
    const fs: Timed = { result: null, end: -1 };
    fs.thread = svc.cos.spawnRequest('fsync', function* (): Sim<void> {
      while (wr.end < 0) yield* sleep(10 * US);
      svc.disk.stallNext(1, 3000);
      fs.result = yield* runFsOp(svc, { kind: 'fsync', path: '/a/f' });
      fs.end = svc.m.engine.now;
    }, { cpu: 0 });
    // /b's object (used from CPU 0 only, the request's CPU) swapped while the request waits
    const sw = spawnSwap(svc, sameVersionDir(svc, b), 0, 200);
    let activeDuringSwap: boolean | null = null;
    svc.m.engine.spawn('observer', function* (): Sim<void> {
      yield* sleep(1000 * US);
      activeDuringSwap = svc.cos.atc.isActive(fs.thread!);
    }, { cpu: 1 });
    svc.m.run();
    expect(sw.r?.ok, sw.r?.error).toBe(true);
    expect(fs.result).toEqual({ ok: true, value: null });
    // the request was not counted while it waited, and the swap did not wait for it
    expect(activeDuringSwap).toBe(false);
    expect(sw.r!.completedAt).toBeLessThan(fs.end);
    expect(fs.end - sw.r!.startedAt).toBeGreaterThan(2000 * US);
    // results: the model's
    const after: FsOp[] = [{ kind: 'read', path: '/a/f', offset: 0, length: 3000 }, { kind: 'stat', path: '/b/x' }];
    expect(runOps(svc, after)).toEqual(modelOf([...SETUP, w, { kind: 'fsync', path: '/a/f' }, ...after]).slice(-2));
    unmountClean(svc);
  });

  it('the superblock transfer waits for a deactivated call inside the engine; calls meanwhile resume on the new object', () => {
    const svc = service(2);
    expect(runOps(svc, SETUP).every((r) => r.ok)).toBe(true);
    const w: FsOp = { kind: 'write', path: '/a/f', offset: 2000, length: 1500, seed: 3 };
    expect(runOps(svc, [w])[0]!.ok).toBe(true);
    // the fsync's commit waits 3 ms for the disk inside the engine
    const fs: Timed = { result: null, end: -1 };
    fs.thread = svc.cos.spawnRequest('fsync', function* (): Sim<void> {
      svc.disk.stallNext(1, 3000);
      fs.result = yield* runFsOp(svc, { kind: 'fsync', path: '/a/f' });
      fs.end = svc.m.engine.now;
    }, { cpu: 0 });
    const old = svc.superRoot();
    const sw = spawnSwap(svc, sameVersionSuper(svc), 1, 200);
    const rd = spawnOp(svc, { kind: 'read', path: '/a/f', offset: 0, length: 3500 }, 1, 1000);
    svc.m.run();
    expect(sw.r?.ok, sw.r?.error).toBe(true);
    expect(svc.superRoot()).not.toBe(old);
    expect(fs.result).toEqual({ ok: true, value: null });
    // the snapshot was taken only after the call in the engine had left it
    expect(sw.r!.completedAt).toBeGreaterThan(fs.end);
    // the read waited at the mediator and was served by the new object
    expect(sw.r!.blocked).toBeGreaterThanOrEqual(1);
    expect(rd.result).toEqual(modelOf([...SETUP, w, { kind: 'read', path: '/a/f', offset: 0, length: 3500 }]).at(-1));
    unmountClean(svc);
  });

  it('a call that waited for an inode lock across a superblock swap re-enters the object and runs on the new engine', () => {
    const svc = service(2);
    expect(runOps(svc, SETUP).every((r) => r.ok)).toBe(true);
    const f = ino(svc, ino(svc, 2, 'a'), 'f');
    holdInodeLock(svc, f, 0, 2000);
    const w: FsOp = { kind: 'write', path: '/a/f', offset: 10, length: 700, seed: 5 };
    const wr = spawnOp(svc, w, 0, 100);
    const old = svc.superRoot();
    const sw = spawnSwap(svc, sameVersionSuper(svc), 0, 300);
    svc.m.run();
    expect(sw.r?.ok, sw.r?.error).toBe(true);
    // the swap finished while the write still waited for the lock (deactivated)
    expect(sw.r!.completedAt).toBeLessThan(wr.end);
    expect(old.redispatched).toBe(1);
    expect(old.fs.retired).toBe(true);
    expect(wr.result).toEqual({ ok: true, value: 700 });
    const rd: FsOp = { kind: 'read', path: '/a/f', offset: 0, length: 3000 };
    expect(runOps(svc, [rd])).toEqual(modelOf([...SETUP, w, rd]).slice(-1));
    unmountClean(svc);
  });

  it('a name-cache change after a wait lands on the directory object serving now, not the one swapped out', () => {
    const svc = service(2);
    expect(runOps(svc, SETUP).every((r) => r.ok)).toBe(true);
    const b = ino(svc, 2, 'b');
    const bRef = svc.server.table.get(b)!.ref;
    const before = svc.cos.ott.missHandlerOf(bRef) as FileInodeRoot;
    expect(before.state!.names.has('x')).toBe(true);
    // the unlink waits 2 ms for /b's lock inside the superblock object; /b's object is swapped meanwhile
    holdInodeLock(svc, b, 0, 2000);
    const un = spawnOp(svc, { kind: 'unlink', path: '/b/x' }, 0, 100);
    const sw = spawnSwap(svc, sameVersionDir(svc, b), 0, 300);
    svc.m.run();
    expect(sw.r?.ok, sw.r?.error).toBe(true);
    expect(sw.r!.completedAt).toBeLessThan(un.end);
    expect(un.result).toEqual({ ok: true, value: null });
    const now = svc.cos.ott.missHandlerOf(bRef) as FileInodeRoot;
    expect(now).not.toBe(before);
    // the new object does not name the removed file (a stale entry would make /b/x resolve)
    expect(now.state!.names.has('x')).toBe(false);
    const after: FsOp[] = [{ kind: 'stat', path: '/b/x' }, { kind: 'create', path: '/b/x', mode: 0o600 }, { kind: 'stat', path: '/b/x' }];
    expect(runOps(svc, after)).toEqual(modelOf([...SETUP, { kind: 'unlink', path: '/b/x' }, ...after]).slice(-3));
    unmountClean(svc);
  });
});
