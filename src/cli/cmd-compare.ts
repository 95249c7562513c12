/**
 * `modswap compare`: the same fsstress workload with a live update of the
 * file system in the middle, run on the K42 path (objects hot-swapped one
 * by one, src/k42/fs) and on the Linux path (the ext3 module replaced by the
 * update manager, src/workload/linux-driver.ts), on the same machine configuration
 * and seed, printed side by side: steady-state modelled cycles per call,
 * calls blocked, the longest stall, the update's duration, the share of
 * calls that waited, the work done during the update, whether every result
 * and the final contents are identical, and e2fsck -fn on both images.
 *
 * `runCompare` is the runner bench and tests use; the command formats it.
 * Exit status: 0 when both updates succeeded, results and contents are
 * identical and both images are clean (or e2fsck is not installed), else 1;
 * 2 on bad flags.
 */
import { flagHelp, parseFlags, UsageError } from './args.ts';
import type { Command } from './command.ts';
import { MAX_CPUS } from '../hw-ppc64/index.ts';
import { e2fsck } from '../ext2/e2fsprogs.ts';
import { runK42Workload } from '../workload/k42-driver.ts';
import type { QuiescenceStrategy } from '../modules/update/usecount.ts';
import type { FsVersion, FsWorkloadOptions, FsWorkloadResult, WorkloadCpuModel, WorkloadUpdateMode } from '../workload/run.ts';
import { runLinuxWorkload, type AnyFsWorkloadResult } from '../workload/linux-driver.ts';

/** Strategies that can detect quiescence ('none' cannot; 'refcount' refuses a module in use). */
export const COMPARE_STRATEGIES = ['counter-percpu', 'counter-shared', 'stack-walk'] as const;

export interface CompareSpec {
  cpus: number;
  threads: number;
  opsPerThread: number;
  seed: number;
  from: FsVersion;
  to: FsVersion;
  strategy: QuiescenceStrategy;
  mode: WorkloadUpdateMode;
  model: WorkloadCpuModel;
  /** Run e2fsck -fn on both images when installed (default true). */
  fsck?: boolean;
  /** Random preemption and delays on both machines (default off). */
  perturb?: boolean;
}

export interface PathFigures {
  updateOk: boolean;
  error?: string;
  steadyStateCyclesPerCall: number;
  callsBlocked: number;
  longestStallCycles: number;
  longestStallUs: number;
  updateDurationCycles: number;
  updateDurationUs: number;
  shareOfCallsThatWaited: number;
  workDoneDuringUpdate: number;
  totalOps: number;
  makespanCycles: number;
  /** e2fsck -fn exit status (null when e2fsck is not installed or not run). */
  e2fsck: number | null;
}

export interface CompareResult {
  spec: CompareSpec;
  cyclesPerUs: number;
  k42: PathFigures;
  linux: PathFigures;
  resultsIdentical: boolean;
  /** Operations whose results differ (first few, as readable lines). */
  differingOps: string[];
  contentsIdentical: boolean;
  treeEntries: number;
  /** The raw records (not printed). */
  runs: { k42: AnyFsWorkloadResult; linux: AnyFsWorkloadResult };
}


function figures(r: FsWorkloadResult, cyclesPerUs: number, fsck: boolean): PathFigures {
  const u = r.update;
  return {
    updateOk: u?.ok ?? false,
    ...(u?.error ? { error: u.error } : {}),
    steadyStateCyclesPerCall: r.steadyStateCyclesPerCall,
    callsBlocked: r.callsBlocked,
    longestStallCycles: r.longestStallCycles,
    longestStallUs: r.longestStallCycles / cyclesPerUs,
    updateDurationCycles: r.updateDurationCycles,
    updateDurationUs: r.updateDurationCycles / cyclesPerUs,
    shareOfCallsThatWaited: r.shareOfCallsThatWaited,
    workDoneDuringUpdate: r.workDoneDuringUpdate,
    totalOps: r.totalOps,
    makespanCycles: r.makespan,
    e2fsck: fsck ? (e2fsck(r.sparseImage)?.status ?? null) : null,
  };
}

/** Run both paths on the same configuration and compare them. */
export function runCompare(spec: CompareSpec): CompareResult {
  const opts: FsWorkloadOptions = {
    cpus: spec.cpus,
    threads: spec.threads,
    opsPerThread: spec.opsPerThread,
    seed: spec.seed,
    fromVersion: spec.from,
    toVersion: spec.to,
    mode: spec.mode,
    model: spec.model,
    ...(spec.perturb ? { perturb: true } : {}),
  };
  const k42 = runK42Workload(opts);
  const linux = runLinuxWorkload({ ...opts, strategy: spec.strategy });
  const cyclesPerUs = k42.detail.cyclesPerUs;
  const differingOps: string[] = [];
  k42.ops.forEach((l, i) =>
    l.forEach((x, k) => {
      const y = linux.ops[i]?.[k];
      if (!y || JSON.stringify(x.result) !== JSON.stringify(y.result)) {
        differingOps.push(`thread ${i} op ${k} ${JSON.stringify(x.op)}: K42 ${JSON.stringify(x.result)}, Linux ${JSON.stringify(y?.result)}`);
      }
    }),
  );
  const fsck = spec.fsck ?? true;
  return {
    spec,
    cyclesPerUs,
    k42: figures(k42, cyclesPerUs, fsck),
    linux: figures(linux, cyclesPerUs, fsck),
    resultsIdentical: differingOps.length === 0 && k42.totalOps === linux.totalOps,
    differingOps: differingOps.slice(0, 10),
    contentsIdentical: JSON.stringify(k42.finalTree) === JSON.stringify(linux.finalTree),
    treeEntries: k42.finalTree.length,
    runs: { k42, linux },
  };
}

/** Everything went as the seed paper promises for both paths. */
export function compareOk(c: CompareResult): boolean {
  const clean = (s: number | null): boolean => s === null || s === 0;
  return c.k42.updateOk && c.linux.updateOk && c.resultsIdentical && c.contentsIdentical && clean(c.k42.e2fsck) && clean(c.linux.e2fsck);
}

const FLAGS = {
  cpus: { kind: 'int', help: 'number of CPUs', default: 4, min: 1, max: MAX_CPUS, arg: 'N' },
  threads: { kind: 'int', help: 'client threads (each in its own directory)', default: 16, min: 1, max: 1024, arg: 'N' },
  ops: { kind: 'int', help: 'operations per thread', default: 100, min: 1, max: 100_000, arg: 'N' },
  seed: { kind: 'int', help: 'seed of the machine and the workload', default: 1, min: 0, max: 0xffffffff, arg: 'S' },
  from: { kind: 'int', help: 'file-system version before the update', default: 1, min: 1, max: 3, arg: 'V' },
  to: { kind: 'int', help: 'version to update to (from + 1)', default: 2, min: 1, max: 3, arg: 'V' },
  strategy: { kind: 'string', help: 'Linux-path quiescence strategy', default: 'counter-percpu', choices: COMPARE_STRATEGIES },
  mode: { kind: 'string', help: 'K42 instance update: eager or lazy', default: 'eager', choices: ['eager', 'lazy'] },
  model: { kind: 'string', help: 'CPU model', default: 'ppc970', choices: ['ppc970', 'power5'] },
  json: { kind: 'boolean', help: 'print one JSON object instead of text' },
} as const;

function jsonOf(c: CompareResult): Record<string, unknown> {
  const { runs: _runs, ...rest } = c;
  return { ...rest, ok: compareOk(c) };
}

function text(c: CompareResult): string {
  const s = c.spec;
  const us = (n: number): string => `${(n / c.cyclesPerUs).toFixed(1)} us`;
  const cyc = (n: number): string => Math.round(n).toLocaleString('en-US');
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const fsck = (x: number | null): string => (x === null ? 'not installed' : x === 0 ? 'clean (0)' : `NOT clean (${x})`);
  const rows: [string, string, string][] = [
    ['update', c.k42.updateOk ? 'ok' : `FAILED ${c.k42.error ?? ''}`, c.linux.updateOk ? 'ok' : `FAILED ${c.linux.error ?? ''}`],
    ['steady-state cycles per call', cyc(c.k42.steadyStateCyclesPerCall), cyc(c.linux.steadyStateCyclesPerCall)],
    ['calls blocked', String(c.k42.callsBlocked), String(c.linux.callsBlocked)],
    ['longest stall', `${cyc(c.k42.longestStallCycles)} (${us(c.k42.longestStallCycles)})`, `${cyc(c.linux.longestStallCycles)} (${us(c.linux.longestStallCycles)})`],
    ['total update time', `${cyc(c.k42.updateDurationCycles)} (${us(c.k42.updateDurationCycles)})`, `${cyc(c.linux.updateDurationCycles)} (${us(c.linux.updateDurationCycles)})`],
    ['share of calls that waited', pct(c.k42.shareOfCallsThatWaited), pct(c.linux.shareOfCallsThatWaited)],
    ['work done during the update (ops)', String(c.k42.workDoneDuringUpdate), String(c.linux.workDoneDuringUpdate)],
    ['e2fsck -fn', fsck(c.k42.e2fsck), fsck(c.linux.e2fsck)],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length)) + 2;
  const w1 = Math.max(12, ...rows.map((r) => r[1].length)) + 2;
  const lines = [
    `modswap compare: ext3 v${s.from} -> v${s.to} under fsstress, ${s.cpus} x ${s.model}, ${s.threads} threads x ${s.opsPerThread} ops, seed ${s.seed}`,
    `K42: objects hot-swapped (${s.mode}); Linux: module replaced by the update manager (${s.strategy}). Times in modelled cycles.`,
    '',
    `${''.padEnd(w0)}${'K42'.padEnd(w1)}Linux`,
    ...rows.map(([a, b, l]) => `${a.padEnd(w0)}${b.padEnd(w1)}${l}`),
    '',
    `results identical: ${c.resultsIdentical ? 'yes' : 'NO'} (${c.k42.totalOps} operations per path)`,
    ...c.differingOps.map((d) => `  ${d}`),
    `contents identical: ${c.contentsIdentical ? 'yes' : 'NO'} (${c.treeEntries} entries)`,
  ];
  return lines.join('\n');
}

export const compareCommand: Command = {
  name: 'compare',
  flags: FLAGS,
  summary: 'run one workload with a live update on the K42 path and the Linux path, side by side',
  help: () =>
    [
      'usage: modswap compare [--cpus N] [--threads N] [--ops N] [--seed S] [--from V] [--to V]',
      '                       [--strategy S] [--mode eager|lazy] [--model ppc970|power5] [--json]',
      '',
      'Runs the same fsstress workload (same setup, generator seeds, think time and CPUs) on both',
      'paths with an update of the file system from --from to --to after a third of the operations,',
      'and prints steady-state cycles per call, calls blocked, the longest stall, the update time,',
      'the share of calls that waited, the work done during the update, whether results and final',
      'contents are identical, and e2fsck -fn of both images (when e2fsck is installed).',
      'Exit status 0 when all of that holds, 1 otherwise, 2 on bad flags.',
      '',
      flagHelp(FLAGS),
    ].join('\n'),
  run(argv, io) {
    const { flags, positional } = parseFlags('compare', argv, FLAGS);
    if (positional.length > 0) throw new UsageError(`compare: unexpected argument '${positional[0]}'`);
    const from = (flags.from ?? 1) as FsVersion;
    const to = (flags.to ?? 2) as FsVersion;
    if (to !== from + 1) throw new UsageError(`compare: --to must be --from + 1 (K42 updates to the next version only), got ${from} -> ${to}`);
    const c = runCompare({
      cpus: flags.cpus ?? 4,
      threads: flags.threads ?? 16,
      opsPerThread: flags.ops ?? 100,
      seed: flags.seed ?? 1,
      from,
      to,
      strategy: (flags.strategy ?? 'counter-percpu') as QuiescenceStrategy,
      mode: (flags.mode ?? 'eager') as WorkloadUpdateMode,
      model: (flags.model ?? 'ppc970') as WorkloadCpuModel,
    });
    io.out(flags.json ? JSON.stringify(jsonOf(c)) : text(c));
    return compareOk(c) ? 0 : 1;
  },
};
