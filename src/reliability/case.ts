/**
 * What one fuzz case is, and how a seed becomes one.
 *
 * A case is plain data (so it can be printed, shrunk, serialised and
 * replayed): which path (the Linux module path with one quiescence strategy,
 * or the K42 object path eager or lazy), the machine (CPUs, seed, schedule
 * perturbation), the workload (fsstress threads and operations), the ext3
 * versions, when the update starts, and what else happens to it: a second
 * update during the first (must fail with EBUSY and leave the first alone)
 * or a fault thrown at one of the update manager's fault points (must roll
 * back with one clear message).
 *
 * `caseForSeed` is a pure function of the seed (its own Prng), so
 * `modswap fuzz --start S --seeds 1` is always the same case.
 */
import { Prng } from '../sim/prng.ts';
import type { FaultPoint } from '../modules/update/manager.ts';

export const LINUX_STRATEGIES = ['counter-shared', 'counter-percpu', 'stack-walk'] as const;
export type LinuxStrategy = (typeof LINUX_STRATEGIES)[number];
export const K42_MODES = ['eager', 'lazy'] as const;
export type K42Mode = (typeof K42_MODES)[number];
export type FuzzPath = 'linux' | 'k42';

/**
 * Faults a Linux case may throw at (all before `redirect` commits, so each
 * must roll back). `redirect` is the last point before the commit.
 */
export const CASE_FAULT_POINTS: readonly FaultPoint[] = ['check', 'interpose', 'quiesce', 'export', 'import', 'init', 'convert', 'redirect'];

export interface LinuxCase {
  path: 'linux';
  seed: number;
  cpus: number;
  strategy: LinuxStrategy;
  /**
   * ext3 release booted and the release updated to: 1 -> 2 (the bug fix,
   * checked against the model with release 1's rename semantics), 2 -> 3,
   * or 3 -> 2 with --allow-downgrade.
   */
  from: 1 | 2 | 3;
  to: 2 | 3;
  threads: number;
  ops: number;
  /** Shell commands run between starting the workload and the update (how late the update starts). */
  filler: number;
  perturb: boolean;
  /** Try a second update while the first runs. */
  second: boolean;
  /** Throw at this fault point (the update must roll back). */
  fault: FaultPoint | null;
}

export interface K42Case {
  path: 'k42';
  seed: number;
  cpus: number;
  mode: K42Mode;
  /** K42 updates go one version up: 1 -> 2 or 2 -> 3. */
  from: 1 | 2;
  threads: number;
  ops: number;
  /** The update starts once this many operations completed. */
  atOps: number;
  perturb: boolean;
}

export type FuzzCase = LinuxCase | K42Case;

/** Which path a seed runs on: `paths` in turn (so a sweep splits evenly). */
export function caseForSeed(seed: number, paths: readonly FuzzPath[] = ['linux', 'k42']): FuzzCase {
  const rng = new Prng((seed ^ 0x5eed_f022) >>> 0);
  const path = paths[seed % paths.length] ?? 'linux';
  const cpus = rng.range(1, 4);
  const threads = rng.range(1, 6);
  const ops = rng.range(5, 40);
  const perturb = rng.chance(0.6);
  if (path === 'k42') {
    const from = rng.pick([1, 2] as const);
    return { path, seed, cpus, mode: rng.pick(K42_MODES), from, threads, ops, atOps: rng.int(threads * ops), perturb };
  }
  const pickFrom = rng.next();
  const from = pickFrom < 0.25 ? 1 : pickFrom < 0.8 ? 2 : 3;
  const roll = rng.next();
  return {
    path,
    seed,
    cpus,
    strategy: rng.pick(LINUX_STRATEGIES),
    from,
    to: from === 2 ? 3 : 2,
    threads,
    ops,
    filler: rng.range(0, 12),
    perturb,
    // a quarter of the cases race a second update; a quarter inject a fault
    second: roll < 0.25,
    fault: roll >= 0.25 && roll < 0.5 ? rng.pick(CASE_FAULT_POINTS) : null,
  };
}

/** One line naming a case (failures, the progress bar, the report). */
export function describeCase(c: FuzzCase): string {
  const common = `seed ${c.seed}: ${c.path} cpus=${c.cpus} threads=${c.threads} ops=${c.ops}${c.perturb ? ' perturb' : ''}`;
  if (c.path === 'k42') return `${common} ${c.mode} ext3 ${c.from}->${c.from + 1} at op ${c.atOps}`;
  return `${common} ${c.strategy} ext3 ${c.from}->${c.to} after ${c.filler} cmds${c.second ? ' +second update' : ''}${c.fault ? ` +fault at ${c.fault}` : ''}`;
}
