/**
 * The fsstress workload of `runK42Workload` (src/workload/k42-driver.ts) on the
 * Linux path: the ext3 module at `fromVersion` as the root file system,
 * every module instrumented for a quiescence strategy, and a live update of
 * the module to `toVersion` by the update manager in the middle. It returns
 * the same `FsWorkloadResult` record, so `modswap compare`, tests and bench
 * put the two paths side by side.
 *
 * What is the same as on K42, on purpose (a comparison must measure only
 * the mechanism): the setup operations, each thread's generator seed and
 * options, the per-thread driver (next op, run it, observe the result,
 * think), the think time, the CPU a thread runs on (I mod cpus), the update
 * trigger and the window the derived figures use (from the update's start
 * to its end), the tree walk's format and the ext2 engine underneath.
 *
 * What differs, and why:
 *   - an operation runs as system calls in the client's own task (Linux has
 *     no request threads), so its start and end are the syscalls' own;
 *   - "blocked" is read from the trace: the client thread blocked on the
 *     module mediator's wait queue (`mediator ext3@N`) during that op;
 *   - the image is made by mke2fs when installed (buildSystem), 64 MiB with
 *     1 KiB blocks like the K42 service's; layout differences change timing
 *     only, never a result;
 *   - the tree walk skips other file systems mounted below / (procfs).
 *
 * Deterministic: a function of the options (machine seed included).
 */
import { toChromeTrace } from '../sim/export-chrome.ts';
import { runFsOp, walkTreeSyscalls } from './linux-ops.ts';
import { derivedFigures, type FsWorkloadOptions, type FsWorkloadResult, type SwapRecord, type WorkloadUpdateSummary } from './run.ts';
import { runSetup, startClients, startUpdateTrigger } from './clients.ts';
import { runThread } from '../sim/run-thread.ts';
import { ext3Definition } from '../modules/ext3-releases.ts';
import type { UpdateOptions, UpdateReport } from '../modules/update/manager.ts';
import type { QuiescenceStrategy } from '../modules/update/usecount.ts';
import type { K42WorkloadDetail } from './k42-driver.ts';
import { buildSystem } from '../system/build.ts';

export interface LinuxWorkloadOptions extends FsWorkloadOptions {
  strategy: QuiescenceStrategy;
  /** Passed to the update manager (timeouts, tries). */
  updateOptions?: UpdateOptions;
  /** Also record every module call enter/exit in the trace (tests; costly). */
  traceCalls?: boolean;
  /** Image size in MiB (default 64, as the K42 service's disk). */
  imageMiB?: number;
}

/** What the Linux path reports beyond the shared record. */
export interface LinuxWorkloadDetail {
  path: 'linux';
  strategy: QuiescenceStrategy;
  /** The update manager's report (null without an update). */
  report: UpdateReport | null;
  /** The ext3 module's version after the run. */
  moduleVersion: string;
  /** From the start of `block` to `release` (absolute cycles), or null. */
  blockWindow: { start: number; end: number } | null;
  cyclesPerUs: number;
  /** Thread id of each client (the trace's tid), by thread index. */
  clientTids: number[];
  /** The engine's trace events (kept only with `traceCalls`, for tests). */
  events: import('../sim/trace.ts').TraceEvent[] | null;
}

export type LinuxWorkloadResult = FsWorkloadResult<LinuxWorkloadDetail>;
/** Either path's record; narrow on `detail.path`. */
export type AnyFsWorkloadResult = FsWorkloadResult<K42WorkloadDetail> | LinuxWorkloadResult;

/** The same random preemption the K42 service applies with `perturb`. */
const PERTURB = { preemptProbability: 0.02, maxDelayCycles: 300 };

export function runLinuxWorkload(opts: LinuxWorkloadOptions): LinuxWorkloadResult {
  const b = buildSystem({
    cpus: opts.cpus,
    ...(opts.model ? { model: opts.model } : {}),
    seed: opts.seed,
    fs: 'ext3',
    ext3Version: opts.fromVersion,
    imageMiB: opts.imageMiB ?? 64,
    strategy: opts.strategy,
    trace: { calls: opts.traceCalls ?? false },
    perturb: opts.perturb ? PERTURB : null,
  });
  const { machine: m, system, live } = b;
  const e = m.engine;

  runThread(e, 'linux-setup', () => runSetup(opts.threads, (op) => runFsOp(system.init, op)), 0);

  const clients = startClients(e, opts, 'linux', (i) => {
    const task = system.newTask({ name: `client${i}` });
    return function* (op, rec) {
      rec.start = e.now;
      rec.result = yield* runFsOp(task, op);
      rec.end = e.now;
    };
  });
  const { ops, tids: clientTids } = clients;

  let report: UpdateReport | null = null;
  const updater = opts.toVersion == null ? null : system.newTask({ name: 'updater' });
  const trigger = startUpdateTrigger(e, opts, clients, 'linux-updater', function* (to) {
    report = yield* live.update(updater!, { module: 'ext3', def: ext3Definition(to), source: 'built-in' }, opts.updateOptions ?? {});
  });
  e.run();
  if (clients.completed() !== clients.total) throw new Error(`linux workload: ${clients.completed()} of ${clients.total} operations completed`);
  const updateStart = trigger?.startedAt() ?? -1;

  const finalTree = runThread(e, 'linux-walk', () => walkTreeSyscalls(system.init), 0);
  const moduleVersion = system.modules.get('ext3')?.version ?? '?';
  b.shutdown();
  const disk = b.disk!;

  // which ops waited in the module mediator (ground truth from the trace)
  const blockedAt = new Map<number, number[]>();
  for (const ev of e.trace!.events) {
    if (ev.type === 'block' && ev.on.startsWith('mediator ext3')) {
      const l = blockedAt.get(ev.tid) ?? [];
      l.push(ev.t);
      blockedAt.set(ev.tid, l);
    }
  }
  ops.forEach((l, i) => {
    const times = blockedAt.get(clientTids[i]!) ?? [];
    for (const rec of l) rec.blocked = times.some((t) => t >= rec.start && t <= rec.end);
  });

  const r = report as UpdateReport | null;
  const all = ops.flat();
  const endedAt = r ? updateStart + r.durationCycles : -1;
  const fig = derivedFigures(all, r ? { start: updateStart, end: endedAt } : null);
  const blockSpan = r ? blockWindowOf(r) : null;
  return {
    path: 'linux',
    options: opts,
    results: ops.map((l) => l.map((x) => x.result)),
    ops,
    latencies: fig.latencies,
    totalOps: all.length,
    makespan: e.now,
    update: r ? updateSummary(r, opts, updateStart, endedAt) : null,
    callsBlocked: r ? r.stats.blocked : 0,
    longestStallCycles: r ? r.longestStallCycles : 0,
    updateDurationCycles: r ? r.durationCycles : 0,
    shareOfCallsThatWaited: fig.shareOfCallsThatWaited,
    workDoneDuringUpdate: fig.workDoneDuringUpdate,
    steadyStateCyclesPerCall: fig.steadyStateCyclesPerCall,
    finalTree,
    // read on first use: a 64 MiB copy that e2fsck of the sparse image does not need
    get image(): Uint8Array {
      return disk.readSync(0, disk.sizeBytes);
    },
    sparseImage: disk.sparseImage(),
    trace: opts.trace ? toChromeTrace(e.trace!, { cyclesPerUs: e.cyclesPerUs, cpus: opts.cpus, endTime: e.makespan, meta: { workload: 'linux-ext3' } }) : null,
    detail: {
      path: 'linux',
      strategy: opts.strategy,
      report: r,
      moduleVersion,
      blockWindow: blockSpan,
      cyclesPerUs: e.cyclesPerUs,
      clientTids,
      events: opts.traceCalls ? e.trace!.events : null,
    },
  };
}

/** [start of `block`, start of `release`] of a report (the window new calls wait in). */
function blockWindowOf(r: UpdateReport): { start: number; end: number } | null {
  const blk = r.phases.find((p) => p.name === 'block');
  const rel = r.phases.find((p) => p.name === 'release') ?? r.phases.find((p) => p.name === 'rollback');
  if (!blk || !rel) return null;
  return { start: blk.start, end: rel.start };
}

function updateSummary(r: UpdateReport, opts: LinuxWorkloadOptions, startedAt: number, endedAt: number): WorkloadUpdateSummary {
  const swap: SwapRecord = {
    object: `ext3@${r.from}`,
    startedAt,
    completedAt: endedAt,
    forwarded: r.stats.mediated - r.stats.blocked,
    blocked: r.stats.blocked,
    longestStall: r.longestStallCycles,
    phases: r.phases.map((p) => ({ phase: p.name, t: p.start })),
  };
  return {
    fromVersion: opts.fromVersion,
    toVersion: Number(r.to),
    mode: 'eager',
    ok: r.ok,
    ...(r.error ? { error: `${r.error.phase}: ${r.error.code} ${r.error.message}` } : {}),
    startedAt,
    endedAt,
    swaps: [swap],
  };
}

