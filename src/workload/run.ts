/**
 * The path-neutral description of one fsstress workload run with an
 * optional live update in the middle: what to run (`FsWorkloadOptions`),
 * what came out (`FsWorkloadResult`), and the helpers both paths must share
 * so that a comparison measures the update mechanism and nothing else:
 *
 *   workloadSetupOps  the tree both paths (and the reference model) prepare
 *   generatorSeed     thread I's generator seed, independent of the CPU count
 *   latencyStats      the latency summary both records carry
 *
 * The K42 path (src/workload/k42-driver.ts) and the Linux path
 * (src/workload/linux-driver.ts) each fill in an `FsWorkloadResult` whose `detail`
 * is their own record; the discriminant is `detail.path`, so code that reads
 * both (the `compare` command, tests, bench) narrows on it:
 *
 *   const r: AnyFsWorkloadResult = ...; if (r.detail.path === 'k42') ...
 *
 * The details' concrete types live with each driver (k42-driver.ts,
 * linux-driver.ts); this file, which both import, knows neither, hence the
 * type parameter. The client loop both run is clients.ts.
 *
 * Pure: no simulated time, no wall clock, no randomness of its own.
 */
import type { CpuModel } from '../hw-ppc64/costs.ts';
import type { SparseImage } from '../hw-ppc64/disk.ts';
import type { ChromeTrace } from '../sim/export-chrome.ts';
import { block, sleep, type Sim } from '../sim/effects.ts';
import type { Engine } from '../sim/engine.ts';
import { Prng } from '../sim/prng.ts';
import type { WaitQueue } from '../sim/waitqueue.ts';
import { FsStress, type FsOp, type FsOpKind, type OpResult } from './fsstress.ts';

/** File-system logic versions both paths serve (release packages packages/ext3-vN: 1 bug, 2 fix, 3 reservation windows). */
export type FsVersion = 1 | 2 | 3;

/** The CPU models of the modelled machine. */
export type WorkloadCpuModel = CpuModel;

/** Eager: every object converted by the update; lazy: each at its next call (K42 only; Linux is always eager). */
export type WorkloadUpdateMode = 'eager' | 'lazy';

/** When the update starts: once this many operations completed, or at a cycle. */
export type UpdateTrigger = { ops: number } | { cycle: number };

export interface FsWorkloadOptions {
  cpus: number;
  threads: number;
  opsPerThread: number;
  seed: number;
  fromVersion: FsVersion;
  /** Version to update to, or null/undefined for no update. */
  toVersion?: FsVersion | null;
  /** When the update starts (default: once a third of the operations completed). */
  updateAt?: UpdateTrigger;
  mode?: WorkloadUpdateMode;
  model?: WorkloadCpuModel;
  mix?: Partial<Record<FsOpKind, number>>;
  /** Largest file offset + length (default 64 KiB) and single write (default 8 KiB). */
  maxFileSize?: number;
  maxWrite?: number;
  /** Client think time between requests (default 1000 cycles). */
  thinkCycles?: number;
  /** Export a Chrome trace in the result (default false). */
  trace?: boolean;
  perturb?: boolean;
  /** Give up (throw) after this many engine events: a hang is a failure, not a wait forever. */
  maxEvents?: number;
}

/** Defaults both drivers apply (one place, so they cannot drift apart). */
export const WORKLOAD_DEFAULTS = Object.freeze({ maxFileSize: 64 * 1024, maxWrite: 8 * 1024, thinkCycles: 1000 });

/** The default trigger: once a third of the operations completed. */
export function defaultUpdateAt(opts: FsWorkloadOptions): UpdateTrigger {
  return { ops: Math.floor((opts.threads * opts.opsPerThread) / 3) };
}

export interface FsOpRecord {
  thread: number;
  index: number;
  op: FsOp;
  result: OpResult;
  cpu: number;
  start: number;
  end: number;
  /** Waited for the update: at a K42 hot-swap mediator / in the Linux module mediator. */
  blocked: boolean;
}

export interface LatencyStats {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * One mediated switch (times in cycles): on K42 each object's hot swap, on
 * Linux the module's one update (phases as the update manager names them).
 */
export interface SwapRecord {
  object: string;
  startedAt: number;
  completedAt: number;
  /** K42: when the last VP released the calls its mediator held (after COMPLETED). */
  releasedAt?: number;
  /** Calls that passed the mediator without waiting. */
  forwarded: number;
  blocked: number;
  longestStall: number;
  phases: { phase: string; t: number }[];
}

export interface WorkloadUpdateSummary {
  fromVersion: number;
  toVersion: number;
  mode: WorkloadUpdateMode;
  ok: boolean;
  error?: string;
  startedAt: number;
  endedAt: number;
  swaps: SwapRecord[];
}

export type WorkloadPath = 'k42' | 'linux';

/** What every path-specific detail carries: its discriminant. */
export interface WorkloadDetailBase {
  path: WorkloadPath;
}

/** The record both paths return (path-specific detail under `detail`). */
export interface FsWorkloadResult<D extends WorkloadDetailBase = WorkloadDetailBase> {
  path: D['path'];
  options: FsWorkloadOptions;
  /** Per thread, per operation. */
  results: OpResult[][];
  ops: FsOpRecord[][];
  latencies: LatencyStats;
  totalOps: number;
  makespan: number;
  update: WorkloadUpdateSummary | null;
  callsBlocked: number;
  longestStallCycles: number;
  updateDurationCycles: number;
  shareOfCallsThatWaited: number;
  workDoneDuringUpdate: number;
  steadyStateCyclesPerCall: number;
  /** Sorted lines: path, type, links, size and content digest or symlink target. */
  finalTree: string[];
  /** The disk image after unmount, read on first use (a copy of the whole disk, 64 MiB by default). */
  image: Uint8Array;
  /** The same image as the disk's written regions, without a copy: what e2fsck takes (a sparse file). */
  sparseImage: SparseImage;
  trace: ChromeTrace | null;
  detail: D;
}

/**
 * The operations that prepare the tree before the load: each thread's
 * directory `/wI` with a file `.keep` the generator does not know of, so
 * its root can never be removed (fsstress's own generator would otherwise
 * rmdir an empty root on its first op now and then and idle the thread).
 * Reference models and both paths apply the same setup.
 */
export function workloadSetupOps(threads: number): FsOp[] {
  const out: FsOp[] = [];
  for (let i = 0; i < threads; i++) {
    out.push({ kind: 'mkdir', path: `/w${i}`, mode: 0o755 });
    out.push({ kind: 'create', path: `/w${i}/.keep`, mode: 0o644 });
  }
  return out;
}

/** Seed of thread `i`'s generator (independent of the CPU count). */
/** Thread `i`'s fsstress generator, the same on both paths. */
export function workloadGenerator(opts: FsWorkloadOptions, i: number): FsStress {
  return new FsStress(new Prng(generatorSeed(opts.seed, i)), {
    root: `/w${i}`,
    mix: opts.mix,
    maxFileSize: opts.maxFileSize ?? WORKLOAD_DEFAULTS.maxFileSize,
    maxWrite: opts.maxWrite ?? WORKLOAD_DEFAULTS.maxWrite,
  });
}

/** Wait for the update trigger: a cycle, or a count of completed operations (`progress` is woken at each). */
export function* waitForTrigger(e: Engine, at: UpdateTrigger, progress: WaitQueue, completed: () => number): Sim<void> {
  if ('cycle' in at) {
    if (at.cycle > e.now) yield* sleep(at.cycle - e.now);
  } else {
    while (completed() < at.ops) yield* block(progress);
  }
}

export function generatorSeed(seed: number, i: number): number {
  return (Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;
}

export function latencyStats(xs: number[]): LatencyStats {
  if (xs.length === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { count: s.length, mean: s.reduce((a, b) => a + b, 0) / s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s[s.length - 1]! };
}

/**
 * The derived figures both paths report, from the per-op records and the
 * update window [winStart, winEnd] (no update: an empty window):
 *   steadyStateCyclesPerCall  mean latency of ops wholly outside the window
 *   workDoneDuringUpdate      ops that completed inside the window
 *   shareOfCallsThatWaited    ops that waited for the update / ops
 */
export function derivedFigures(all: readonly FsOpRecord[], window: { start: number; end: number } | null): {
  latencies: LatencyStats;
  steadyStateCyclesPerCall: number;
  workDoneDuringUpdate: number;
  shareOfCallsThatWaited: number;
} {
  const winStart = window ? window.start : Infinity;
  const winEnd = window ? window.end : -Infinity;
  const outside = all.filter((r) => r.end < winStart || r.start > winEnd).map((r) => r.end - r.start);
  return {
    latencies: latencyStats(all.map((r) => r.end - r.start)),
    steadyStateCyclesPerCall: outside.length ? outside.reduce((a, b) => a + b, 0) / outside.length : 0,
    workDoneDuringUpdate: window ? all.filter((r) => r.end >= winStart && r.end <= winEnd).length : 0,
    shareOfCallsThatWaited: all.length ? all.filter((r) => r.blocked).length / all.length : 0,
  };
}
