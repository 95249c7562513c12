/**
 * The one client loop both workload drivers run (k42-driver.ts and
 * linux-driver.ts): N client threads, thread I on CPU I mod cpus with its own
 * fsstress generator; per operation: next op, run it, let the generator
 * observe the result, count it, wake whoever waits on progress, think.
 * Only "run it" differs between the paths (a K42 request thread, or system
 * calls in the client's own task), so it is the caller's `client(i)`.
 *
 * Also shared: the setup operations, and the thread that waits for the update
 * trigger. Deterministic: threads are spawned in index order.
 */
import { sleep, type Sim } from '../sim/effects.ts';
import type { Engine } from '../sim/engine.ts';
import type { WaitQueue } from '../sim/waitqueue.ts';
import type { FsOp, OpResult } from './fsstress.ts';
import {
  defaultUpdateAt, waitForTrigger, workloadGenerator, workloadSetupOps, WORKLOAD_DEFAULTS,
  type FsOpRecord, type FsVersion, type FsWorkloadOptions,
} from './run.ts';

/** Runs one operation for a client: fills in `rec.result`, `rec.start` and `rec.end`. */
export type ClientOp = (op: FsOp, rec: FsOpRecord, k: number) => Sim<void>;

export interface Clients {
  /** Per thread, per operation, in completion order. */
  readonly ops: FsOpRecord[][];
  /** Woken at every completed operation. */
  readonly progress: WaitQueue;
  /** Thread id of each client (the trace's tid), by index. */
  readonly tids: number[];
  readonly total: number;
  completed(): number;
}

export const cpuOfClient = (opts: FsWorkloadOptions, i: number): number => i % opts.cpus;

/** Run the setup operations (each thread's directory) through `run`; any failure is a broken setup. */
export function* runSetup(threads: number, run: (op: FsOp) => Sim<OpResult>): Sim<void> {
  for (const op of workloadSetupOps(threads)) {
    const r = yield* run(op);
    if (!r.ok) throw new Error(`setup ${op.kind}: ${r.errno}`);
  }
}

/**
 * Spawn the client threads. `client(i)` is called once per thread, in index
 * order just before it is spawned, and returns how that thread runs an op.
 */
export function startClients(e: Engine, opts: FsWorkloadOptions, label: string, client: (i: number) => ClientOp): Clients {
  const ops: FsOpRecord[][] = Array.from({ length: opts.threads }, () => []);
  let completed = 0;
  const progress = e.waitQueue(`${label} ops completed`);
  const think = opts.thinkCycles ?? WORKLOAD_DEFAULTS.thinkCycles;
  const tids: number[] = [];
  for (let i = 0; i < opts.threads; i++) {
    const gen = workloadGenerator(opts, i);
    const cpu = cpuOfClient(opts, i);
    const runOp = client(i);
    const t = e.spawn(`client${i}`, function* (): Sim<void> {
      for (let k = 0; k < opts.opsPerThread; k++) {
        const op = gen.next();
        const rec: FsOpRecord = { thread: i, index: k, op, result: { ok: false, errno: 'EIO' }, cpu, start: -1, end: -1, blocked: false };
        yield* runOp(op, rec, k);
        gen.observe(op, rec.result);
        ops[i]!.push(rec);
        completed++;
        progress.wakeAll();
        if (think > 0) yield* sleep(think);
      }
    }, { cpu });
    tids.push(t.id);
  }
  return { ops, progress, tids, total: opts.threads * opts.opsPerThread, completed: () => completed };
}

/**
 * With `opts.toVersion` set: a thread `name` on CPU 0 that waits for the
 * trigger (default: a third of the operations done), notes the cycle and runs
 * `update`. Returns the start cycle (-1 until it started), or null without
 * an update.
 */
export function startUpdateTrigger(e: Engine, opts: FsWorkloadOptions, clients: Clients, name: string, update: (to: FsVersion) => Sim<void>): { startedAt(): number } | null {
  const to = opts.toVersion ?? null;
  if (to === null) return null;
  const at = opts.updateAt ?? defaultUpdateAt(opts);
  let startedAt = -1;
  e.spawn(name, function* (): Sim<void> {
    yield* waitForTrigger(e, at, clients.progress, clients.completed);
    startedAt = e.now;
    yield* update(to);
  }, { cpu: 0 });
  return { startedAt: () => startedAt };
}
