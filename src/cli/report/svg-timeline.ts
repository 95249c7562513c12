/**
 * The report's timeline, as one inline SVG: a row per CPU (which thread
 * runs: workload or update work), a row per thread (running, waiting at the
 * mediator, in I/O, sleeping, other waits), a row per update-phase track,
 * and the update phases as shaded bands across the whole chart with their
 * names on top, as in Figures 1 and 2 of the seed paper (normal, then
 * forward/block/transfer/completed on the K42 path, or check ... retire on
 * the Linux path).
 *
 * Size stays bounded for long runs: every row is downsampled to one bin per
 * pixel column (bins.ts), coarser where a row would exceed its share of
 * MAX_RECTS rectangles, at most MAX_THREADS thread rows and MAX_TRACKS
 * phase rows are drawn (the rest are named in a note under the chart), and
 * the rest of the detail is in trace.json for Perfetto.
 */
import { binIntervals } from './bins.ts';
import { phaseBands, type Interval, type PhaseSpan, type ThreadRow, type TimelineModel } from './model.ts';
import { esc, fmtUs, niceStep } from './format.ts';

export const MAX_THREADS = 40;
export const MAX_TRACKS = 10;
/** Rectangles in the whole chart (shared among rows); bounds the SVG to about 1 MB. */
export const MAX_RECTS = 6000;

export const THREAD_COLORS = {
  running: '#3c78d8',
  mediator: '#d62728',
  io: '#e69138',
  sleeping: '#d9dee3',
  waiting: '#9aa5b1',
} as const;

export const CPU_COLORS = { busy: '#3c78d8', update: '#7b4fb8' } as const;

export const PHASE_COLORS: Record<string, string> = {
  check: '#9e9e9e',
  interpose: '#8e7cc3',
  block: '#e06666',
  quiesce: '#f6b26b',
  transfer: '#f1c232',
  redirect: '#6fa8dc',
  release: '#93c47d',
  retire: '#b4a7d6',
  rollback: '#990000',
  forward: '#76a5af',
  completed: '#93c47d',
};

export function phaseColor(name: string): string {
  return PHASE_COLORS[name] ?? '#bbbbbb';
}

const W = 1200;
const LABEL = 190;
const CHART = W - LABEL - 10;
const ROW = 13;
const GAP = 3;
const HEAD = 20;

export interface TimelineSvg {
  svg: string;
  notes: string[];
  threadsShown: number;
  threadsTotal: number;
}

/** The thread rows worth drawing: mediator waiters first, then update threads, then the longest-lived. */
export function chooseThreads(threads: readonly ThreadRow[], cap = MAX_THREADS): ThreadRow[] {
  if (threads.length <= cap) return [...threads];
  const score = (r: ThreadRow): number =>
    (r.mediatorUs > 0 ? 2e12 + r.mediatorUs : 0) + (/updat|switch/i.test(r.name) ? 1e12 : 0) + (r.last - r.first);
  return [...threads]
    .sort((a, b) => score(b) - score(a) || a.tid - b.tid)
    .slice(0, cap)
    .sort((a, b) => a.tid - b.tid);
}

/** `zoomed`: the window the report also draws zoomed (svg-zoom.ts), outlined here so the reader sees where it sits. */
export function renderTimeline(m: TimelineModel, zoomed?: { from: number; to: number }): TimelineSvg {
  const end = m.end > 0 ? m.end : 1;
  const x = (t: number): number => LABEL + (t / end) * CHART;
  const px = (v: number): string => v.toFixed(1);
  const notes: string[] = [];
  const body: string[] = [];
  let y = HEAD + 16;
  const shown = chooseThreads(m.threads);
  const rows = m.cpus.length + shown.length + Math.min(MAX_TRACKS, m.tracks.length);
  const perRow = Math.max(50, Math.floor(MAX_RECTS / Math.max(1, rows)));

  const rowRuns = <S extends string>(spans: readonly Interval<S>[], color: (s: S) => string, weight?: Partial<Record<S, number>>, util = false): string => {
    // Halve the resolution until the row fits its share of the rectangle budget.
    let bins = CHART;
    let runs = binIntervals(spans, { from: 0, to: end, bins, ...(weight ? { weight } : {}), ...(util ? { levels: true, minCover: 0.01 } : {}) });
    while (runs.length > perRow && bins > 50) {
      bins = Math.floor(bins / 2);
      runs = binIntervals(spans, { from: 0, to: end, bins, ...(weight ? { weight } : {}), ...(util ? { levels: true, minCover: 0.01 } : {}) });
    }
    const scale = CHART / bins;
    const w = end / bins;
    return runs
      .map((r) => {
        const x0 = px(LABEL + r.b0 * scale);
        const wd = px((r.b1 - r.b0) * scale);
        const op = r.level < 4 ? ` fill-opacity="${r.level / 4}"` : '';
        // Tooltips only where a rectangle is wide enough to point at (they dominate the size).
        const busy = util ? ` (${r.level * 25}% busy)` : '';
        const title = (r.b1 - r.b0) * scale >= 4 ? `<title>${esc(`${r.state}${busy} ${fmtUs(r.b0 * w)} – ${fmtUs(r.b1 * w)}`)}</title>` : '';
        return `<rect class="s-${r.state}" x="${x0}" y="${y}" width="${wd}" height="${ROW}" fill="${color(r.state)}"${op}>${title}</rect>`;
      })
      .join('');
  };
  const label = (text: string, cls = 'lbl'): void => {
    const short = text.length > 28 ? text.slice(0, 27) + '…' : text;
    body.push(`<text class="${cls}" x="${LABEL - 6}" y="${y + ROW - 3}" text-anchor="end">${esc(short)}<title>${esc(text)}</title></text>`);
  };
  const section = (text: string): void => {
    y += 6;
    body.push(`<text class="sec" x="4" y="${y + ROW - 2}">${esc(text)}</text>`);
    body.push(`<line class="rule" x1="4" x2="${W - 4}" y1="${y + ROW + 2}" y2="${y + ROW + 2}"/>`);
    y += ROW + GAP + 4;
  };

  section(`CPUs (${m.cpus.length})`);
  m.cpus.forEach((spans, c) => {
    label(`cpu${c}`);
    body.push(rowRuns(spans, (s) => CPU_COLORS[s], { update: 4 }, true));
    y += ROW + GAP;
  });

  section(`Threads (${shown.length} of ${m.threads.length})`);
  if (shown.length < m.threads.length) {
    notes.push(
      `${shown.length} of ${m.threads.length} threads drawn: those that waited at a mediator first, then update threads, then the longest-lived; every thread is in trace.json.`,
    );
  }
  for (const r of shown) {
    label(r.name);
    body.push(rowRuns(r.spans, (s) => THREAD_COLORS[s], { mediator: 8, io: 2 }));
    y += ROW + GAP;
  }

  const tracks = m.tracks.slice(0, MAX_TRACKS);
  if (tracks.length > 0) {
    section(`Update phases (${tracks.length} of ${m.tracks.length} tracks)`);
    if (tracks.length < m.tracks.length) notes.push(`${tracks.length} of ${m.tracks.length} phase tracks drawn; the bands combine all of them.`);
    for (const t of tracks) {
      label(t);
      const spans: Interval<string>[] = m.phases.filter((p) => p.track === t).map((p) => ({ from: p.from, to: p.to, state: p.name }));
      body.push(rowRuns(spans, phaseColor));
      y += ROW + GAP;
    }
  }
  const bottom = y + 4;

  // Bands behind everything, with the phase names above the chart.
  const bands = phaseBands(m.phases as PhaseSpan[]);
  const back: string[] = [];
  let labelEnd = LABEL;
  for (const b of bands) {
    const x0 = x(b.from);
    const wd = Math.max(1, x(b.to) - x0);
    back.push(
      `<rect class="band" data-phase="${esc(b.name)}" x="${px(x0)}" y="${HEAD}" width="${px(wd)}" height="${bottom - HEAD}" fill="${phaseColor(b.name)}" fill-opacity="0.22"><title>${esc(`${b.name} ${fmtUs(b.from)} – ${fmtUs(b.to)}`)}</title></rect>`,
    );
    // Name a band only where the name fits inside it and clears the last name.
    const textW = b.name.length * 6 + 4;
    if (wd >= textW && x0 >= labelEnd) {
      back.push(`<text class="band-lbl" x="${px(x0 + 2)}" y="${HEAD + 11}">${esc(b.name)}</text>`);
      labelEnd = x0 + textW;
    }
  }
  if (bands.length > 0 && x(bands[0]!.from) - LABEL > 50) back.push(`<text class="band-lbl" x="${LABEL + 2}" y="${HEAD + 11}">normal</text>`);

  // Time axis.
  const axis: string[] = [`<line class="rule" x1="${LABEL}" x2="${LABEL + CHART}" y1="${HEAD}" y2="${HEAD}"/>`];
  const step = niceStep(end / 8);
  for (let t = 0; t <= end + 1e-9; t += step) {
    axis.push(`<line class="tick" x1="${px(x(t))}" x2="${px(x(t))}" y1="${HEAD - 4}" y2="${bottom}"/>`);
    axis.push(`<text class="axis" x="${px(x(t))}" y="${HEAD - 7}" text-anchor="middle">${esc(fmtUs(t))}</text>`);
  }

  if (zoomed) {
    const x0 = x(zoomed.from);
    const wd = Math.max(3, x(zoomed.to) - x0);
    axis.push(
      `<rect class="zoom-mark" x="${px(x0 - 1)}" y="${HEAD - 2}" width="${px(wd + 2)}" height="${bottom - HEAD + 2}" fill="none" stroke="#1d2329" stroke-width="1" stroke-dasharray="2 2"><title>${esc(`zoomed above: ${fmtUs(zoomed.from)} – ${fmtUs(zoomed.to)}`)}</title></rect>`,
    );
  }
  const height = bottom + 6;
  const svg = [
    `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" data-end-us="${end}" role="img" aria-label="timeline per CPU and per thread">`,
    ...back,
    ...axis,
    ...body,
    `<line id="cursor" x1="0" x2="0" y1="${HEAD}" y2="${bottom}" visibility="hidden"/>`,
    `</svg>`,
  ].join('\n');
  return { svg, notes, threadsShown: shown.length, threadsTotal: m.threads.length };
}

/** Geometry the page script needs to turn a mouse position into a time. */
export const TIMELINE_GEOMETRY = { width: W, label: LABEL, chart: CHART } as const;
