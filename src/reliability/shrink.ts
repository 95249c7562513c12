/**
 * Shrinking a failing case to a small one that still fails, greedily: try
 * each simpler neighbour in turn (no perturbation, no racing second update,
 * fewer threads, fewer operations, an earlier update, fewer CPUs) and keep
 * the first that still fails, until none does or the budget of re-runs is
 * spent. Cases are plain data and runs are deterministic, so a shrunk case
 * fails the same way every time it is replayed.
 *
 * The order puts the things the `modswap shell` replay cannot express
 * (perturbation, the second update) first, so a failure that does not need
 * them shrinks to a script that replays it exactly. The injected fault is
 * kept unless the failure persists without it (then it is not the cause).
 */
import type { FuzzCase, K42Case, LinuxCase } from './case.ts';

export interface ShrinkResult<C extends FuzzCase> {
  smallest: C;
  failure: string;
  runs: number;
}

function uniq<C extends FuzzCase>(cs: C[], from: C): C[] {
  const seen = new Set<string>([JSON.stringify(from)]);
  return cs.filter((c) => {
    const k = JSON.stringify(c);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function linuxNeighbours(c: LinuxCase): LinuxCase[] {
  const out: LinuxCase[] = [];
  if (c.perturb) out.push({ ...c, perturb: false });
  if (c.second) out.push({ ...c, second: false });
  if (c.fault) out.push({ ...c, fault: null });
  if (c.threads > 1) out.push({ ...c, threads: 1 }, { ...c, threads: c.threads - 1 });
  if (c.ops > 1) out.push({ ...c, ops: Math.max(1, c.ops >> 1) }, { ...c, ops: c.ops - 1 });
  if (c.filler > 0) out.push({ ...c, filler: 0 }, { ...c, filler: c.filler >> 1 }, { ...c, filler: c.filler - 1 });
  if (c.cpus > 1) out.push({ ...c, cpus: 1 }, { ...c, cpus: c.cpus - 1 });
  return uniq(out, c);
}

function k42Neighbours(c: K42Case): K42Case[] {
  const out: K42Case[] = [];
  const clamp = (x: K42Case): K42Case => ({ ...x, atOps: Math.min(x.atOps, x.threads * x.ops - 1 < 0 ? 0 : x.threads * x.ops - 1) });
  if (c.perturb) out.push({ ...c, perturb: false });
  if (c.threads > 1) out.push(clamp({ ...c, threads: 1 }), clamp({ ...c, threads: c.threads - 1 }));
  if (c.ops > 1) out.push(clamp({ ...c, ops: Math.max(1, c.ops >> 1) }), clamp({ ...c, ops: c.ops - 1 }));
  if (c.atOps > 0) out.push({ ...c, atOps: 0 }, { ...c, atOps: c.atOps >> 1 }, { ...c, atOps: c.atOps - 1 });
  if (c.cpus > 1) out.push({ ...c, cpus: 1 }, { ...c, cpus: c.cpus - 1 });
  return uniq(out, c);
}

export function neighbours<C extends FuzzCase>(c: C): C[] {
  return (c.path === 'linux' ? linuxNeighbours(c) : k42Neighbours(c)) as C[];
}

/** Shrink `c` (known to fail with `failure`) while `run` keeps failing. */
export function shrink<C extends FuzzCase>(c: C, failure: string, run: (c: C) => string | null, maxRuns = 80): ShrinkResult<C> {
  let cur = c;
  let why = failure;
  let runs = 0;
  for (;;) {
    let moved = false;
    for (const n of neighbours(cur)) {
      if (runs >= maxRuns) return { smallest: cur, failure: why, runs };
      runs++;
      const f = run(n);
      if (f !== null) {
        cur = n;
        why = f;
        moved = true;
        break;
      }
    }
    if (!moved) return { smallest: cur, failure: why, runs };
  }
}
