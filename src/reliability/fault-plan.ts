/**
 * A fault plan: boot ext3 at one release as root, run fsstress threads
 * (each in its own tree, so results are checkable against PosixModel), a
 * probe thread that does the fault's own choreography (hold a thread in
 * the module with a stalled disk, fsync files that must survive a power
 * cut, fill the disk...), and one update with options (including an
 * `inject` hook that throws or arms a disk fault at a fault point). Then:
 * results against the model, the serving version, the final tree against
 * the model, unmount, and the image for e2fsck. The tests of
 * tests/reliability/faults.test.ts are each one plan plus assertions.
 */
import { sleep, type Sim } from '../sim/effects.ts';
import { Prng } from '../sim/prng.ts';
import { runThread } from '../sim/run-thread.ts';
import type { ModuleDefinition } from '../modules/core/module.ts';
import type { UpdateOptions, UpdateReport, UpdateRequest } from '../modules/update/manager.ts';
import { ext3Definition } from '../modules/ext3-releases.ts';
import * as sys from '../vfs/syscalls.ts';
import type { Task } from '../vfs/task.ts';
import { runFsOp } from '../workload/linux-ops.ts';
import { FsStress, type FsOp, type OpResult } from '../workload/fsstress.ts';
import { PosixModel } from '../workload/model.ts';
import { buildSystem, type BuiltSystem } from '../system/build.ts';
import type { QuiescenceStrategy } from '../modules/update/usecount.ts';
import { kernelTree, modelTree, treeDiff } from './tree.ts';
import type { SparseImage } from '../hw-ppc64/disk.ts';

export interface FaultPlan {
  seed?: number;
  cpus?: number;
  from?: number;
  strategy?: QuiescenceStrategy;
  threads?: number;
  ops?: number;
  imageMiB?: number;
  /** The update: a built-in release or a full request (packages). */
  to?: number;
  request?: (b: BuiltSystem) => UpdateRequest;
  atUs?: number;
  opts?: (b: BuiltSystem) => UpdateOptions;
  /** A thread beside the workload (runs from boot). */
  probe?: (b: BuiltSystem, t: Task) => Sim<void>;
  /** Skip unmount (a power-cut plan inspects the image as the cut left it). */
  noShutdown?: boolean;
}

export interface FaultRun {
  b: BuiltSystem;
  report: UpdateReport | null;
  mismatches: string[];
  treeDiff: string | null;
  version: string;
  /** The disk image as the run left it, read on first use (a copy of the whole disk). */
  image: Uint8Array;
  /** The same, as the disk's written regions without a copy (for e2fsck). */
  sparseImage: SparseImage;
}

export const NO_RENAME = { rename: 0 };
const keep = (i: number): FsOp => ({ kind: 'create', path: `/w${i}/.keep`, mode: 0o644 });

export function runFaultPlan(p: FaultPlan): FaultRun {
  const seed = p.seed ?? 1;
  const from = p.from ?? 2;
  const b = buildSystem({ cpus: p.cpus ?? 2, seed, fs: 'ext3', ext3Version: from, strategy: p.strategy ?? 'counter-shared', ...(p.imageMiB ? { imageMiB: p.imageMiB } : {}) });
  const e = b.machine.engine;
  const rng = new Prng(seed);
  const logs: { op: FsOp; result: OpResult }[][] = [];
  for (let i = 0; i < (p.threads ?? 3); i++) {
    const log: { op: FsOp; result: OpResult }[] = [];
    logs.push(log);
    const gen = new FsStress(rng.fork(), { root: `/w${i}`, maxFileSize: 32 * 1024, maxWrite: 4096, ...(from === 1 ? { mix: NO_RENAME } : {}) });
    const task = b.system.newTask({ name: `w${i}` });
    e.spawn(`w${i}`, function* (): Sim<void> {
      yield* sys.mkdir(task, `/w${i}`, 0o755);
      // a file the generator does not know of, so it can never rmdir its own root (as workloadSetupOps)
      log.push({ op: keep(i), result: yield* runFsOp(task, keep(i)) });
      for (let k = 0; k < (p.ops ?? 30); k++) {
        const op = gen.next();
        const result = yield* runFsOp(task, op);
        gen.observe(op, result);
        log.push({ op, result });
      }
    });
  }
  if (p.probe) {
    const t = b.system.newTask({ name: 'probe' });
    const probe = p.probe;
    e.spawn('probe', () => probe(b, t));
  }
  let report: UpdateReport | null = null;
  const updater = b.system.newTask({ name: 'updater' });
  e.spawn('updater', function* (): Sim<void> {
    yield* sleep(Math.round((p.atUs ?? 1000) * e.cyclesPerUs));
    const req = p.request ? p.request(b) : { module: 'ext3', def: ext3Definition(p.to ?? from + 1) as ModuleDefinition, source: 'fault plan' };
    report = yield* b.live.update(updater, req, p.opts?.(b) ?? {});
  });
  e.run({ maxEvents: 50_000_000 });
  const model = new PosixModel();
  const mismatches: string[] = [];
  logs.forEach((log, i) => {
    model.mkdirp(`/w${i}`);
    for (const { op, result } of log) {
      const want = model.apply(op);
      if (JSON.stringify(want) !== JSON.stringify(result)) mismatches.push(`w${i} ${op.kind}: got ${JSON.stringify(result)}, model ${JSON.stringify(want)}`);
    }
  });
  let diff: string | null = null;
  for (let i = 0; i < logs.length && diff === null; i++) {
    const got = runThread(e, 'walk', () => kernelTree(b.system.init, `/w${i}`));
    diff = treeDiff(modelTree(model, `/w${i}`), got);
  }
  const version = b.system.modules.get('ext3')?.version ?? '?';
  if (!p.noShutdown) b.shutdown();
  const disk = b.disk!;
  return {
    b,
    report,
    mismatches,
    treeDiff: diff,
    version,
    get image(): Uint8Array {
      return disk.readSync(0, disk.sizeBytes);
    },
    sparseImage: disk.sparseImage(),
  };
}
