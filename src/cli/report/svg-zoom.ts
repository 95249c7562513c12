/**
 * The report's zoomed view of the update window. On the whole-run timeline
 * a Linux update's middle phases (interpose, block, quiesce, transfer,
 * redirect, release: some tens of µs) are a sliver of a run of tens of ms,
 * so this second chart shows only the window around them, on its own axis.
 *
 * The axis is piecewise linear: each phase band gets at least MIN_BAND px
 * and the rest of the width is shared in proportion to duration, so a
 * 0.1 µs `block` or a zero-length `release` stays visible beside an 11 µs
 * `quiesce`. Tick labels give the true time at every phase boundary; the
 * page says the axis is not uniform. Rows: the CPUs, the threads that
 * waited at a mediator or did update work in the window (at most
 * MAX_ZOOM_THREADS), and the phase tracks.
 */
import { phaseBands, type Interval, type PhaseSpan, type TimelineModel } from './model.ts';
import { CPU_COLORS, THREAD_COLORS, phaseColor } from './svg-timeline.ts';
import { esc } from './format.ts';

export const MIN_BAND = 10;
export const MAX_ZOOM_THREADS = 24;
const MAX_ZOOM_TRACKS = 8;
/** Phases that bracket the update and can be long (signature checks, retiring the old code). */
const BOOKENDS = new Set(['check', 'retire']);

const W = 1200;
const LABEL = 190;
const CHART = W - LABEL - 10;
const ROW = 13;
const GAP = 3;

export interface ZoomBand {
  from: number;
  to: number;
  name: string;
}

/** The zoom window (µs): the phases but the bookends, with a margin; null without phases. */
export function zoomRange(phases: readonly PhaseSpan[], end: number): { from: number; to: number } | null {
  if (phases.length === 0) return null;
  const core = phases.filter((p) => !BOOKENDS.has(p.name));
  const use = core.length > 0 ? core : phases;
  const a = Math.min(...use.map((p) => p.from));
  const b = Math.max(...use.map((p) => p.to));
  const margin = Math.max((b - a) * 0.1, 0.5);
  return { from: Math.max(0, a - margin), to: Math.min(Math.max(end, b), b + margin) };
}

/** The bands of the window: one phase per instant (phaseBands), plus zero-length phases as instants. */
export function zoomBands(phases: readonly PhaseSpan[], from: number, to: number): ZoomBand[] {
  const bands: ZoomBand[] = phaseBands(phases as PhaseSpan[])
    .filter((b) => b.to > from && b.from < to)
    .map((b) => ({ from: Math.max(from, b.from), to: Math.min(to, b.to), name: b.name }));
  for (const p of phases) {
    if (p.to > p.from || p.from < from || p.from > to) continue;
    if (bands.some((b) => b.from < p.from && p.from < b.to)) continue;
    if (bands.some((b) => b.from === p.from && b.to === p.from && b.name === p.name)) continue;
    bands.push({ from: p.from, to: p.from, name: p.name });
  }
  return bands.sort((x, y) => x.from - y.from || x.to - y.to);
}

/** A piecewise-linear time -> x map: breakpoints (t, x), t non-decreasing. */
export class ZoomAxis {
  readonly points: { t: number; x: number }[] = [];
  readonly bandX: { band: ZoomBand; x0: number; x1: number }[] = [];

  constructor(
    readonly from: number,
    readonly to: number,
    bands: readonly ZoomBand[],
    x0: number,
    width: number,
  ) {
    type Slot = { from: number; to: number; band: ZoomBand | null };
    const slots: Slot[] = [];
    let cur = from;
    for (const b of bands) {
      if (b.from > cur) slots.push({ from: cur, to: b.from, band: null });
      slots.push({ from: Math.max(cur, b.from), to: Math.max(cur, b.to), band: b });
      cur = Math.max(cur, b.to);
    }
    if (to > cur || slots.length === 0) slots.push({ from: cur, to: Math.max(cur, to), band: null });
    const nb = slots.filter((s) => s.band).length;
    const min = Math.min(MIN_BAND, (width * 0.8) / Math.max(1, nb));
    const total = slots.reduce((s, x) => s + (x.to - x.from), 0) || 1;
    const rest = width - nb * min;
    let x = x0;
    for (const s of slots) {
      const w = (s.band ? min : 0) + (rest * (s.to - s.from)) / total;
      this.points.push({ t: s.from, x }, { t: s.to, x: x + w });
      if (s.band) this.bandX.push({ band: s.band, x0: x, x1: x + w });
      x += w;
    }
  }

  /** x of time t; at an instant drawn with some width, `side` picks its left or right edge. */
  x(t: number, side: 'left' | 'right'): number {
    const p = this.points;
    if (t <= p[0]!.t) return p[0]!.x;
    if (t >= p[p.length - 1]!.t) return p[p.length - 1]!.x;
    if (side === 'left') {
      let i = p.findIndex((q) => q.t >= t);
      if (p[i]!.t === t) return p[i]!.x;
      const a = p[i - 1]!;
      const b = p[i]!;
      return a.x + ((t - a.t) / (b.t - a.t)) * (b.x - a.x);
    }
    let i = p.length - 1;
    while (p[i]!.t > t) i--;
    if (p[i]!.t === t) return p[i]!.x;
    const a = p[i]!;
    const b = p[i + 1]!;
    return a.x + ((t - a.t) / (b.t - a.t)) * (b.x - a.x);
  }
}

export interface ZoomSvg {
  svg: string;
  range: { from: number; to: number };
  bands: { name: string; from: number; to: number; px: number }[];
}

const t1 = (us: number): string => `${us.toFixed(us < 10_000 ? 1 : 0)} µs`;

export function renderZoom(m: TimelineModel): ZoomSvg | null {
  const range = zoomRange(m.phases, m.end);
  if (!range) return null;
  const bands = zoomBands(m.phases, range.from, range.to);
  const axis = new ZoomAxis(range.from, range.to, bands, LABEL, CHART);
  const px = (v: number): string => v.toFixed(1);
  const body: string[] = [];
  // Phase names above the chart, staggered on up to four lines so narrow bands keep their names.
  const levels: number[] = [];
  const names: string[] = [];
  for (const b of axis.bandX) {
    const w = b.band.name.length * 6 + 6;
    const cx = (b.x0 + b.x1) / 2;
    let lv = levels.findIndex((endX) => endX <= cx - w / 2);
    if (lv < 0 && levels.length < 4) lv = levels.length;
    // no free line: the band keeps its colour and its tooltip, without a name over it
    if (lv < 0) continue;
    levels[lv] = cx + w / 2;
    names.push(`<text class="band-lbl" x="${px(cx)}" y="${12 + lv * 12}" text-anchor="middle">${esc(b.band.name)}</text>`);
  }
  const head = 12 + Math.max(1, levels.length) * 12 + 18;
  let y = head + 4;
  const row = <S extends string>(label: string, spans: readonly Interval<S>[], color: (s: S) => string, keep?: S): void => {
    body.push(`<text class="lbl" x="${LABEL - 6}" y="${y + ROW - 3}" text-anchor="end">${esc(label.length > 28 ? label.slice(0, 27) + '…' : label)}</text>`);
    let last: { x0: number; x1: number; state: S } | null = null;
    const rects: { x0: number; x1: number; state: S }[] = [];
    for (const s of spans) {
      if (s.to < range.from || s.from > range.to) continue;
      let x0 = axis.x(Math.max(s.from, range.from), 'right');
      let x1 = axis.x(Math.min(s.to, range.to), 'left');
      if (x1 - x0 < 0.4) {
        if (s.state !== keep) continue;
        x1 = x0 + 1;
      }
      if (last && last.state === s.state && x0 - last.x1 < 0.5) last.x1 = Math.max(last.x1, x1);
      else rects.push((last = { x0, x1, state: s.state }));
      x0 = x1;
    }
    for (const r of rects) body.push(`<rect class="s-${r.state}" x="${px(r.x0)}" y="${y}" width="${px(r.x1 - r.x0)}" height="${ROW}" fill="${color(r.state)}"/>`);
    y += ROW + GAP;
  };
  const section = (text: string): void => {
    y += 4;
    body.push(`<text class="sec" x="4" y="${y + ROW - 2}">${esc(text)}</text>`);
    y += ROW + GAP;
  };
  section(`CPUs (${m.cpus.length})`);
  m.cpus.forEach((spans, c) => row(`cpu${c}`, spans, (s) => CPU_COLORS[s]));
  const inWindow = m.threads.filter((r) =>
    r.spans.some((s) => s.to > range.from && s.from < range.to && (s.state === 'mediator' || (/updat|switch/i.test(r.name) && s.state === 'running'))),
  );
  const shown = inWindow.slice(0, MAX_ZOOM_THREADS);
  section(`Threads that waited at the mediator or did update work here (${shown.length} of ${inWindow.length})`);
  for (const r of shown) row(r.name, r.spans, (s) => THREAD_COLORS[s], 'mediator');
  const tracks = m.tracks.filter((t) => m.phases.some((p) => p.track === t && p.to >= range.from && p.from <= range.to)).slice(0, MAX_ZOOM_TRACKS);
  if (tracks.length > 0) {
    section('Update phases');
    for (const t of tracks) row(t, m.phases.filter((p) => p.track === t).map((p) => ({ from: p.from, to: p.to, state: p.name })), phaseColor);
  }
  const bottom = y + 4;
  const back = axis.bandX.map(
    (b) =>
      `<rect class="band" data-phase="${esc(b.band.name)}" x="${px(b.x0)}" y="${head}" width="${px(b.x1 - b.x0)}" height="${bottom - head}" fill="${phaseColor(b.band.name)}" fill-opacity="0.3"><title>${esc(`${b.band.name} ${t1(b.band.from)} – ${t1(b.band.to)} (${(b.band.to - b.band.from).toFixed(2)} µs)`)}</title></rect>`,
  );
  // Ticks at the window's ends and every phase boundary; a label where it does not collide.
  const ticks = [...new Set([range.from, ...bands.flatMap((b) => [b.from, b.to]), range.to])].sort((a, b) => a - b);
  const axisParts: string[] = [`<line class="rule" x1="${LABEL}" x2="${LABEL + CHART}" y1="${head}" y2="${head}"/>`];
  let lastLabel = -Infinity;
  for (const t of ticks) {
    const x = axis.x(t, 'left');
    axisParts.push(`<line class="tick" x1="${px(x)}" x2="${px(x)}" y1="${head - 3}" y2="${bottom}"/>`);
    if (x - lastLabel >= 62) {
      axisParts.push(`<text class="axis" x="${px(x)}" y="${head - 5}" text-anchor="middle">${esc(t1(t))}</text>`);
      lastLabel = x;
    }
  }
  const height = bottom + 6;
  const svg = [
    `<svg id="zoom" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" data-from-us="${range.from}" data-to-us="${range.to}" role="img" aria-label="the update window, zoomed">`,
    ...back,
    ...names,
    ...axisParts,
    ...body,
    '</svg>',
  ].join('\n');
  return { svg, range, bands: axis.bandX.map((b) => ({ name: b.band.name, from: b.band.from, to: b.band.to, px: b.x1 - b.x0 })) };
}
