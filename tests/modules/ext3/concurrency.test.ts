/**
 * ext3 under many threads on many CPUs at once (ext2/lock.ts: i_rwsem,
 * JBD2 handles in one running transaction, truncate_mutex, per-group
 * locks, kjournald). Oracles: each thread's results equal a reference model
 * of its own subtree (the subtrees are disjoint, so interleaving cannot
 * change them); in a directory all threads share, each thread creates,
 * writes, renames and unlinks names of its own and the final listing and
 * contents are the union of what each one left; after a clean shutdown
 * `e2fsck -fn` exits 0. Perturbation (extra preemption points, delays)
 * shuffles the interleavings per seed.
 */
import { describe, expect, it } from 'vitest';
import { Engine, Prng, sleep, type Sim } from '../../../src/sim/index.ts';
import { sys, type Task } from '../../../src/vfs/index.ts';
import { O_CREAT, O_RDONLY, O_WRONLY } from '../../../src/uapi/fcntl.ts';
import { bootSystem, shutdownSystem } from '../../../src/system/boot.ts';
import type { Ext2Fs } from '../../../src/ext2/fs.ts';
import type { SuperBlock } from '../../../src/vfs/super.ts';

/** The engine behind a mounted ext3 superblock (the module's ext3_sb_info, as tests/modules/ext3/hooks.test.ts reads it). */
const EXT3_SB = (sb: SuperBlock) => sb.s_fs_info as { fs: Ext2Fs };
import { FsStress } from '../../../src/workload/fsstress.ts';
import { PosixModel } from '../../../src/workload/model.ts';
import { execOp, listDir, readAll } from './exec.ts';
import type { Mke2fsOptions } from '../../../src/ext2/e2fsprogs.ts';
import { freshImage, fsckDisk, memDisk } from './helpers.ts';

const IMAGE: Mke2fsOptions = { type: 'ext3', blockSize: 1024, blocks: 32768, journalMiB: 1 };

function pattern(thread: number, k: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (thread * 31 + k * 7 + i) & 0xff;
  return b;
}

/** Each thread's work in the shared directory: names of its own, kept in `left`. */
function* sharedWork(t: Task, thread: number, rng: Prng, ops: number, left: Map<string, Uint8Array>, seq: { next: number }): Sim<void> {
  for (let i = 0; i < ops; i++) {
    const names = [...left.keys()];
    const r = rng.next();
    if (names.length === 0 || r < 0.45) {
      const name = `/shared/t${thread}-${seq.next++}`;
      const data = pattern(thread, seq.next, 1 + Math.floor(rng.next() * 9000));
      const fd = yield* sys.open(t, name, O_CREAT | O_WRONLY, 0o644);
      yield* sys.write(t, fd, data);
      yield* sys.close(t, fd);
      left.set(name, data);
    } else if (r < 0.65) {
      const from = names[Math.floor(rng.next() * names.length)]!;
      const to = `/shared/t${thread}-${seq.next++}`;
      yield* sys.rename(t, from, to);
      left.set(to, left.get(from)!);
      left.delete(from);
    } else if (r < 0.85) {
      const name = names[Math.floor(rng.next() * names.length)]!;
      yield* sys.unlink(t, name);
      left.delete(name);
    } else {
      const name = names[Math.floor(rng.next() * names.length)]!;
      const got = yield* readAll(t, name);
      if (!Buffer.from(got).equals(Buffer.from(left.get(name)!))) throw new Error(`${name}: read back differs`);
    }
  }
}

describe('ext3 with many threads on many CPUs', () => {
  it.each([
    [8, 1],
    [16, 2],
    [32, 3],
  ])('%i CPUs, seed %i: every thread equals its model, the shared directory holds the union, e2fsck clean', (cpus, seed) => {
    const engine = new Engine({ cpus, seed, perturb: { preemptProbability: 0.02, maxDelayCycles: 3000 } });
    const disk = memDisk(engine, freshImage(IMAGE));
    const s = bootSystem({ engine, disk, ext3Version: 3, procfs: false });
    s.exec(function* (t) {
      yield* sys.mkdir(t, '/shared', 0o755);
      for (let i = 0; i < cpus; i++) yield* sys.mkdir(t, `/d${i}`, 0o755);
    });
    const mismatches: string[] = [];
    const models: PosixModel[] = [];
    const shared = new Map<string, Uint8Array>();
    const errors: unknown[] = [];
    for (let i = 0; i < cpus; i++) {
      const root = `/d${i}/r`;
      const model = new PosixModel();
      model.mkdirp(`/d${i}`);
      models.push(model);
      const gen = new FsStress(new Prng(seed * 1000 + i), { root, maxFileSize: 48 * 1024, maxWrite: 8 * 1024 });
      const mine = new Map<string, Uint8Array>();
      const seq = { next: 0 };
      const task = s.newTask({ name: `w${i}` });
      engine.spawn(`w${i}`, function* (): Sim<void> {
        try {
          for (let k = 0; k < 60; k++) {
            const op = gen.next();
            const want = model.apply(op);
            const got = yield* execOp(task, op);
            if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`w${i} #${k} ${JSON.stringify(op)}: got ${JSON.stringify(got)}, model ${JSON.stringify(want)}`);
            gen.observe(op, want);
            if (k % 3 === 0) yield* sharedWork(task, i, new Prng(seed * 77 + i * 13 + k), 2, mine, seq);
          }
        } catch (e) {
          errors.push(`w${i}: ${String(e)}`);
        }
        for (const [n, d] of mine) shared.set(n, d);
        if (i === 0) {
          // past the commit interval, the next operation wakes kjournald to commit
          yield* sleep(6 * 1e6 * engine.cyclesPerUs);
          yield* sys.close(task, yield* sys.open(task, '/d0/late', O_CREAT | O_WRONLY, 0o644));
        }
      }, { cpu: i });
    }
    const fs = EXT3_SB(s.kernel.mounts.root!.mnt_sb).fs;
    const kj = fs.kjournald!;
    engine.run();
    expect(errors).toEqual([]);
    // really concurrent: many handles open in one transaction at once, and commits by kjournald
    expect(fs.journal!.maxUpdates).toBeGreaterThan(2);
    expect(kj.commits).toBeGreaterThan(0);
    expect(mismatches).toEqual([]);

    const listed = s.exec((t) => listDir(t, '/shared')).map((n) => `/shared/${n}`).sort();
    expect(listed).toEqual([...shared.keys()].sort());
    const differ = s.exec(function* (t) {
      const bad: string[] = [];
      for (const [n, d] of shared) if (!Buffer.from(yield* readAll(t, n)).equals(Buffer.from(d))) bad.push(n);
      // and each thread's subtree, file by file
      for (let i = 0; i < cpus; i++) {
        const fd = yield* sys.open(t, `/d${i}`, O_RDONLY);
        yield* sys.close(t, fd);
      }
      return bad;
    });
    expect(differ).toEqual([]);

    shutdownSystem(s);
    const r = fsckDisk(disk);
    expect(r.status, r.out).toBe(0);
  }, 120_000);
});
