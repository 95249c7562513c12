/**
 * Shared runs for the comparison suites: each configuration is run once per
 * test file (the runs are deterministic, so sharing them loses nothing and
 * keeps the suite fast), plus the reference model of a run.
 */
import { runCompare, type CompareResult, type CompareSpec } from '../../src/cli/cmd-compare.ts';
import { PosixModel } from '../../src/workload/model.ts';
import { workloadSetupOps, type FsWorkloadResult } from '../../src/workload/run.ts';
import type { OpResult } from '../../src/workload/fsstress.ts';

export const BASE: Omit<CompareSpec, 'from' | 'to' | 'seed' | 'strategy' | 'mode'> = { cpus: 4, threads: 8, opsPerThread: 60, model: 'ppc970' };

const memo = new Map<string, CompareResult>();

/** `runCompare` on BASE with the given changes, memoised by its spec. */
export function compareRun(spec: Partial<CompareSpec> & Pick<CompareSpec, 'from' | 'to' | 'seed' | 'strategy' | 'mode'>): CompareResult {
  const full: CompareSpec = { ...BASE, ...spec };
  const key = JSON.stringify(full);
  let r = memo.get(key);
  if (!r) {
    r = runCompare(full);
    memo.set(key, r);
  }
  return r;
}

/** Every thread's operations replayed on the reference model (threads touch disjoint trees). */
export function modelResults(r: FsWorkloadResult): OpResult[][] {
  const m = new PosixModel();
  for (const op of workloadSetupOps(r.options.threads)) m.apply(op);
  return r.ops.map((l) => l.map((x) => m.apply(x.op)));
}
