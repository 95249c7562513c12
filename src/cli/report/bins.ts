/**
 * Downsampling a row of intervals to what a chart can show: the time axis is
 * cut into one bin per pixel column, each bin takes the state that covers
 * most of it, and runs of equal bins merge into one rectangle. So a row has
 * at most as many rectangles as the chart has pixels, however long the run,
 * and an interval shorter than a pixel survives only if it dominates its
 * column; that is the trade that keeps the SVG bounded for long runs.
 *
 * Some states matter more than their duration (a short wait at the mediator
 * is the point of the chart), so each state can carry a weight that
 * multiplies its share of a bin.
 */
import type { Interval } from './model.ts';

export interface BinOptions<S extends string> {
  /** Time range drawn (µs). */
  from: number;
  to: number;
  /** Number of bins (pixel columns). */
  bins: number;
  /** Weight per state (default 1). */
  weight?: Partial<Record<S, number>>;
  /** A bin less covered than this fraction stays empty (default 0.25). */
  minCover?: number;
  /**
   * Also quantise how much of each bin is covered into quarters (`level`
   * 1..4), and merge only runs of equal level: for rows whose point is
   * utilisation (a CPU busy 10% of a column is drawn faint, not solid).
   */
  levels?: boolean;
}

/** Merged runs, as bin index ranges [b0, b1) with their state. */
export interface BinRun<S extends string> {
  b0: number;
  b1: number;
  state: S;
  /** Covered quarter of the bins, 1..4 (always 4 without `levels`). */
  level: number;
}

export function binIntervals<S extends string>(spans: readonly Interval<S>[], o: BinOptions<S>): BinRun<S>[] {
  const n = Math.max(1, Math.floor(o.bins));
  const width = (o.to - o.from) / n;
  if (!(width > 0)) return [];
  const cover = new Float64Array(n);
  const perState = new Map<S, Float64Array>();
  for (const s of spans) {
    const a = Math.max(s.from, o.from);
    const b = Math.min(s.to, o.to);
    if (b <= a) continue;
    let acc = perState.get(s.state);
    if (!acc) {
      acc = new Float64Array(n);
      perState.set(s.state, acc);
    }
    const w = o.weight?.[s.state] ?? 1;
    const i0 = Math.min(n - 1, Math.floor((a - o.from) / width));
    const i1 = Math.min(n - 1, Math.floor((b - o.from) / width));
    for (let i = i0; i <= i1; i++) {
      const lo = Math.max(a, o.from + i * width);
      const hi = Math.min(b, o.from + (i + 1) * width);
      if (hi <= lo) continue;
      acc[i]! += (hi - lo) * w;
      cover[i]! += hi - lo;
    }
  }
  const minCover = (o.minCover ?? 0.25) * width;
  const states = [...perState.keys()];
  const runs: BinRun<S>[] = [];
  for (let i = 0; i < n; i++) {
    if (cover[i]! < minCover) continue;
    let best: S | undefined;
    let bestW = 0;
    for (const st of states) {
      const v = perState.get(st)![i]!;
      if (v > bestW) {
        bestW = v;
        best = st;
      }
    }
    if (best === undefined) continue;
    const level = o.levels ? Math.max(1, Math.min(4, Math.ceil((cover[i]! / width) * 4))) : 4;
    const last = runs[runs.length - 1];
    if (last && last.state === best && last.b1 === i && last.level === level) last.b1 = i + 1;
    else runs.push({ b0: i, b1: i + 1, state: best, level });
  }
  return runs;
}
