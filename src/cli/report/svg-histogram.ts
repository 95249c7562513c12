/**
 * The report's latency histogram: call latencies split into calls that
 * ended before the update began, calls that overlapped an update window,
 * and calls that started after it ended, drawn as three small multiples on
 * one shared logarithmic axis (a live update shows up as a tail in the
 * middle panel, or as a shift between the first and the last).
 *
 * Bins are powers of two of a microsecond (≤1 µs, 1–2, 2–4, ...), so the
 * number of bars is bounded by the logarithm of the longest call whatever
 * the number of calls.
 */
import type { CallSample } from './model.ts';
import { esc, fmtUs } from './format.ts';

export type Period = 'before' | 'during' | 'after';

export const PERIOD_COLORS: Record<Period, string> = { before: '#3c78d8', during: '#d62728', after: '#2ca02c' };

export interface LatencySummary {
  period: Period;
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Which period each call falls in, given the update windows (µs). */
export function splitByPeriod(calls: readonly CallSample[], windows: readonly { from: number; to: number }[]): Record<Period, number[]> {
  const out: Record<Period, number[]> = { before: [], during: [], after: [] };
  const first = windows[0];
  for (const c of calls) {
    const lat = c.end - c.start;
    if (!first) out.before.push(lat);
    else if (windows.some((w) => c.start < w.to && c.end > w.from)) out.during.push(lat);
    else if (c.end <= first.from) out.before.push(lat);
    else out.after.push(lat);
  }
  return out;
}

function quantile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0;
}

export function summarise(period: Period, xs: number[]): LatencySummary {
  const s = [...xs].sort((a, b) => a - b);
  return { period, count: s.length, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1] ?? 0 };
}

const binOf = (us: number): number => (us <= 1 ? 0 : Math.ceil(Math.log2(us)));

export function renderHistogram(split: Record<Period, number[]>): { svg: string; summaries: LatencySummary[] } {
  const periods: Period[] = ['before', 'during', 'after'];
  const all = periods.flatMap((p) => split[p]);
  const summaries = periods.map((p) => summarise(p, split[p]));
  const nb = Math.max(1, ...all.map(binOf)) + 1;
  const W = 1200;
  const PW = 380;
  const PH = 150;
  const top = 40;
  const parts: string[] = [];
  periods.forEach((p, k) => {
    const counts = new Array<number>(nb).fill(0);
    for (const v of split[p]) counts[binOf(v)]!++;
    const maxc = Math.max(1, ...counts);
    const x0 = 10 + k * (PW + 15);
    const bw = (PW - 40) / nb;
    const s = summaries[k]!;
    // Two lines: the panel is too narrow for the figures on the title line.
    parts.push(`<text class="sec" x="${x0}" y="14">${p} the update: ${s.count} calls</text>`);
    if (s.count) parts.push(`<text class="axis" x="${x0}" y="28">p50 ${esc(fmtUs(s.p50))}, p99 ${esc(fmtUs(s.p99))}, max ${esc(fmtUs(s.max))}</text>`);
    parts.push(`<line class="rule" x1="${x0 + 30}" x2="${x0 + PW - 10}" y1="${top + PH}" y2="${top + PH}"/>`);
    parts.push(`<text class="axis" x="${x0 + 26}" y="${top + 8}" text-anchor="end">${maxc}</text>`);
    counts.forEach((c, i) => {
      if (c === 0) return;
      const h = (c / maxc) * (PH - 10);
      const bx = x0 + 30 + i * bw;
      const lo = i === 0 ? 0 : 2 ** (i - 1);
      parts.push(
        `<rect class="bar bar-${p}" x="${(bx + 0.5).toFixed(1)}" y="${(top + PH - h).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${PERIOD_COLORS[p]}"><title>${esc(`${lo}–${2 ** i} µs: ${c} calls`)}</title></rect>`,
      );
    });
    const ticks = Math.min(nb, 6);
    for (let j = 0; j < ticks; j++) {
      const i = Math.round((j * (nb - 1)) / Math.max(1, ticks - 1));
      parts.push(`<text class="axis" x="${(x0 + 30 + i * bw + bw / 2).toFixed(1)}" y="${top + PH + 13}" text-anchor="middle">${esc(fmtUs(2 ** i))}</text>`);
    }
  });
  const H = top + PH + 22;
  const svg = `<svg id="histogram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="call latency histogram">\n${parts.join('\n')}\n</svg>`;
  return { svg, summaries };
}
