/**
 * Test helpers for the live-update manager: ramfs made live-updatable (its
 * state lives in VFS objects, so the hooks only convert private structures),
 * with fault switches; and an fsstress workload checked against the model.
 */
import { z } from 'zod';
import { Machine } from '../../../src/hw-ppc64/machine.ts';
import { errno, ErrnoError } from '../../../src/uapi/errno.ts';
import { sleep, type Sim } from '../../../src/sim/effects.ts';
import { Prng } from '../../../src/sim/prng.ts';
import type { SimThread } from '../../../src/sim/thread.ts';
import { ramfsModule, RamfsFileInfo, RamfsInodeInfo } from '../../../src/modules/ramfs/index.ts';
import type { ModuleDefinition } from '../../../src/modules/core/module.ts';
import { bootSystem } from '../../../src/system/boot.ts';
import { registerStateFormat } from '../../../src/modules/core/snapshot.ts';
import type { QuiescenceStrategy } from '../../../src/modules/update/usecount.ts';
import type { FileOperations } from '../../../src/vfs/ops.ts';
import * as sys from '../../../src/vfs/syscalls.ts';
import type { Task } from '../../../src/vfs/task.ts';
import { runFsOp } from '../../../src/workload/linux-ops.ts';
import { FsStress, type FsOp, type OpResult } from '../../../src/workload/fsstress.ts';
import { PosixModel } from '../../../src/workload/model.ts';
import { ServedBy } from '../../../src/modules/update/served-by.ts';

registerStateFormat('ramfs-state@1', z.object({ version: z.string(), inodes: z.number().int().nonnegative() }).strict());

export interface LiveRamfsFaults {
  exportThrows?: boolean;
  importThrows?: boolean;
  /** fsync sleeps this long inside the module (a thread "stuck" in it). */
  fsyncSleepUs?: number;
  /** Export a state that does not match the schema. */
  badSnapshot?: boolean;
  /** The new code lacks fsync. */
  dropFsync?: boolean;
  /** Record every instance conversion. */
  converted?: { inodes: number; files: number };
}

export function liveRamfs(version: string, f: LiveRamfsFaults = {}): ModuleDefinition {
  return {
    ...ramfsModule,
    version,
    instantiate(mod) {
      const body = ramfsModule.instantiate(mod);
      for (const t of body.tables) {
        if (t.kind !== 'file_operations') continue;
        const fops = t.table as FileOperations;
        if (f.dropFsync) delete fops.fsync;
        else if (f.fsyncSleepUs && fops.fsync) {
          const us = f.fsyncSleepUs;
          fops.fsync = function* (): Sim<void> {
            yield* sleep(us * 2000);
          };
        }
      }
      return {
        ...body,
        update: {
          exportFormats: ['ramfs-state@1'],
          importFormats: ['ramfs-state@1'],
          *exportState() {
            if (f.exportThrows) throw errno('EIO', 'export failed (injected)');
            yield 1000;
            return f.badSnapshot ? { version, inodes: -1 } : { version, inodes: mod.instances.count('inode') };
          },
          *importState() {
            yield 1000;
            if (f.importThrows) throw errno('ENOMEM', 'import failed (injected)');
            return {
              convertInode: () => {
                if (f.converted) f.converted.inodes++;
                return new RamfsInodeInfo();
              },
              convertFile: () => {
                if (f.converted) f.converted.files++;
                return new RamfsFileInfo();
              },
              commit() {},
              abort() {},
            };
          },
        },
      };
    },
  };
}

export function liveSystem(opts: { cpus: number; seed: number; strategy: QuiescenceStrategy; v1?: ModuleDefinition; perturb?: boolean }) {
  const machine = new Machine({
    cpus: opts.cpus,
    model: 'ppc970',
    seed: opts.seed,
    trace: false,
    ...(opts.perturb ? { perturb: { preemptProbability: 0.05, maxDelayCycles: 2000 } } : {}),
  });
  const registry = new Map([['ramfs', opts.v1 ?? liveRamfs('1')]]);
  const system = bootSystem({ engine: machine.engine, registry, live: { machine, strategy: opts.strategy } });
  const live = system.live!;
  return { machine, system, live };
}

export interface WorkerLog {
  ops: FsOp[];
  results: OpResult[];
  /** Release of ext3 whose rename served each op (undefined: none did), for the model. */
  releases: (number | undefined)[];
}

/** Spawn `threads` fsstress workers, each in /wN, each doing `ops` operations. */
export function spawnWorkers(system: ReturnType<typeof liveSystem>['system'], threads: number, ops: number, seed: number): { logs: WorkerLog[]; threads: SimThread[] } {
  const logs: WorkerLog[] = [];
  const ts: SimThread[] = [];
  const rng = new Prng(seed);
  const served = new ServedBy(system.engine, 'ext3', 'rename');
  for (let i = 0; i < threads; i++) {
    const log: WorkerLog = { ops: [], results: [], releases: [] };
    logs.push(log);
    const gen = new FsStress(rng.fork(), { root: `/w${i}`, maxFileSize: 64 * 1024, maxWrite: 8 * 1024 });
    const task = system.newTask({ name: `w${i}` });
    ts.push(
      system.engine.spawn(`worker-${i}`, function* (): Sim<void> {
        yield* sys.mkdir(task, `/w${i}`, 0o755);
        const me = system.engine.current!;
        for (let k = 0; k < ops; k++) {
          const op = gen.next();
          served.begin(me);
          const r = yield* runFsOp(task, op);
          gen.observe(op, r);
          log.ops.push(op);
          log.results.push(r);
          log.releases.push(served.release(me));
        }
      }),
    );
  }
  return { logs, threads: ts };
}

/**
 * Every recorded result equals the reference model's (threads use disjoint
 * trees), each op with the semantics of the ext3 release that served it.
 * `model` is left as the run left it (for `wrongDirLinks`).
 */
export function checkAgainstModel(logs: WorkerLog[], model = new PosixModel()): string[] {
  const bad: string[] = [];
  logs.forEach((log, i) => {
    model.mkdirp(`/w${i}`);
    log.ops.forEach((op, k) => {
      const release = log.releases[k];
      const want = model.apply(op, release === undefined ? {} : { release });
      const got = log.results[k]!;
      if (JSON.stringify(want) !== JSON.stringify(got)) bad.push(`w${i} op ${k} ${JSON.stringify(op)}: got ${JSON.stringify(got)}, model ${JSON.stringify(want)}`);
    });
  });
  return bad;
}

export function* asRoot(task: Task): Sim<Task> {
  yield 0;
  return task;
}


/** The ErrnoError that `f` throws (any other outcome fails the test). */
export function errOf(f: () => unknown): ErrnoError {
  try {
    f();
  } catch (e) {
    if (e instanceof ErrnoError) return e;
    throw e;
  }
  throw new Error('expected an ErrnoError');
}
