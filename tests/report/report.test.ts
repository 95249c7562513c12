/**
 * The report's model and SVG: states classified from wait-queue names, phase
 * bands combined across tracks, downsampling that bounds the SVG however long
 * the run, thread rows capped with a note, and latencies split by period.
 */
import { describe, it, expect } from 'vitest';
import type { ChromeEvent, ChromeTrace } from '../../src/sim/export-chrome.ts';
import { binIntervals } from '../../src/cli/report/bins.ts';
import { classifyWait, phaseBands, timelineFromChrome, updateWindows } from '../../src/cli/report/model.ts';
import { renderReport } from '../../src/cli/report/html.ts';
import { MAX_THREADS, renderTimeline } from '../../src/cli/report/svg-timeline.ts';
import { splitByPeriod } from '../../src/cli/report/svg-histogram.ts';
import { MIN_BAND, ZoomAxis, renderZoom } from '../../src/cli/report/svg-zoom.ts';

function syntheticTrace(threads: number, slices: number): ChromeTrace {
  const ev: ChromeEvent[] = [{ name: 'thread_name', ph: 'M', ts: 0, pid: 1, tid: 0, args: { name: 'cpu0' } }];
  ev.push({ name: 'thread_name', ph: 'M', ts: 0, pid: 3, tid: 1, args: { name: 'update ext3' } });
  for (let t = 1; t <= threads; t++) {
    ev.push({ name: 'thread_name', ph: 'M', ts: 0, pid: 2, tid: t, args: { name: `worker-${t}` } });
    for (let k = 0; k < slices; k++) {
      const ts = k * 10 + t * 0.01;
      ev.push({ name: 'running', ph: 'X', ts, dur: 3, pid: 2, tid: t, cat: 'sched' });
      ev.push({ name: k % 7 === 0 ? 'blocked: mediator ext3@1' : 'blocked: disk sda read@0', ph: 'X', ts: ts + 3, dur: 6, pid: 2, tid: t, cat: 'wait' });
      ev.push({ name: `t${t}`, ph: 'X', ts, dur: 3, pid: 1, tid: 0, cat: 'sched', args: { tid: t } });
    }
  }
  const phases = ['check', 'interpose', 'block', 'quiesce', 'transfer', 'redirect', 'release', 'retire'];
  phases.forEach((p, i) => {
    ev.push({ name: p, ph: 'B', ts: 1000 + i * 100, pid: 3, tid: 1, cat: 'phase' });
    ev.push({ name: p, ph: 'E', ts: 1100 + i * 100, pid: 3, tid: 1, cat: 'phase' });
  });
  return { traceEvents: ev, displayTimeUnit: 'ns', otherData: {} };
}

describe('report model', () => {
  it('classifies waits by wait-queue name', () => {
    expect(classifyWait('blocked: mediator ext3@1')).toBe('mediator');
    expect(classifyWait('blocked: k42 mediator k42 svc vp0')).toBe('mediator');
    expect(classifyWait('blocked: disk sda read@1024')).toBe('io');
    expect(classifyWait('blocked: buffer cache sda')).toBe('io');
    expect(classifyWait('sleeping')).toBe('sleeping');
    expect(classifyWait('blocked: mutex ext2sb.v1 lock')).toBe('waiting');
  });

  it('reads rows, phases and update windows back from a Chrome trace', () => {
    const m = timelineFromChrome(syntheticTrace(3, 50));
    expect(m.cpus.length).toBe(1);
    expect(m.threads.map((t) => t.name)).toEqual(['worker-1', 'worker-2', 'worker-3']);
    expect(m.phases.map((p) => p.name)).toEqual(['check', 'interpose', 'block', 'quiesce', 'transfer', 'redirect', 'release', 'retire']);
    expect(updateWindows(m.phases)).toEqual([{ from: 1000, to: 1800 }]);
  });

  it('combines overlapping phase tracks: the most disruptive phase wins', () => {
    const bands = phaseBands([
      { track: 'a', name: 'forward', from: 0, to: 10 },
      { track: 'b', name: 'block', from: 4, to: 6 },
      { track: 'a', name: 'completed', from: 10, to: 12 },
    ]);
    expect(bands).toEqual([
      { from: 0, to: 4, name: 'forward' },
      { from: 4, to: 6, name: 'block' },
      { from: 6, to: 10, name: 'forward' },
      { from: 10, to: 12, name: 'completed' },
    ]);
  });

  it('downsamples to at most one run per bin and keeps weighted states', () => {
    const spans = Array.from({ length: 10_000 }, (_, i) => ({ from: i, to: i + 0.5, state: i % 2 ? 'a' : 'b' }) as const);
    const runs = binIntervals(spans, { from: 0, to: 10_000, bins: 100 });
    expect(runs.length).toBeLessThanOrEqual(100);
    const tiny = [{ from: 0, to: 9, state: 'x' as const }, { from: 9, to: 10, state: 'y' as const }];
    expect(binIntervals(tiny, { from: 0, to: 10, bins: 1 })[0]!.state).toBe('x');
    expect(binIntervals(tiny, { from: 0, to: 10, bins: 1, weight: { y: 20 } })[0]!.state).toBe('y');
  });

  it('keeps the SVG bounded for long runs with many threads, with a note', () => {
    const small = renderTimeline(timelineFromChrome(syntheticTrace(4, 200)));
    const big = renderTimeline(timelineFromChrome(syntheticTrace(200, 1000)));
    const bigger = renderTimeline(timelineFromChrome(syntheticTrace(200, 2000)));
    expect(big.threadsShown).toBe(MAX_THREADS);
    expect(big.threadsTotal).toBe(200);
    expect(big.notes.join(' ')).toContain(`${MAX_THREADS} of 200 threads`);
    // bounded by a rectangle budget, not by events: 200k and 400k events, about the same size
    expect(big.svg.length).toBeLessThan(1_000_000);
    expect(bigger.svg.length).toBeLessThan(1_000_000);
    expect((big.svg.match(/<rect /g) ?? []).length).toBeLessThanOrEqual(6000 + 200);
    expect(small.svg).toContain('data-phase="block"');
  });

  it('splits call latencies before, during and after the update', () => {
    const split = splitByPeriod(
      [
        { start: 0, end: 5 },
        { start: 8, end: 12 },
        { start: 20, end: 21 },
      ],
      [{ from: 10, to: 15 }],
    );
    expect(split).toEqual({ before: [5], during: [4], after: [1] });
  });

  it('renders a self-contained page (no external URL but the trace link)', () => {
    const r = renderReport({ title: 'x <y>', trace: syntheticTrace(2, 20), summary: { a: 1, b: { c: 2 } }, calls: [{ start: 1, end: 3 }] });
    expect(r.html).toContain('<title>x &lt;y&gt;</title>');
    expect(r.html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(r.html).toContain('id="histogram"');
  });
});

describe('the zoomed update window', () => {
  /** A Linux-like update: a long check and retire around phases from 0 to 11 µs long, one of them zero-length. */
  function updateTrace(): ChromeTrace {
    const ev: ChromeEvent[] = [
      { name: 'thread_name', ph: 'M', ts: 0, pid: 1, tid: 0, args: { name: 'cpu0' } },
      { name: 'thread_name', ph: 'M', ts: 0, pid: 3, tid: 1, args: { name: 'update ext3' } },
      { name: 'thread_name', ph: 'M', ts: 0, pid: 2, tid: 5, args: { name: 'worker-0' } },
      { name: 'running', ph: 'X', ts: 0, dur: 18_000, pid: 2, tid: 5, cat: 'sched' },
    ];
    const ph: [string, number, number][] = [
      ['check', 2420, 3022.6],
      ['interpose', 3022.6, 3026.7],
      ['block', 3026.7, 3026.75],
      ['quiesce', 3026.75, 3038.3],
      ['transfer', 3038.3, 3038.5],
      ['redirect', 3038.5, 3038.8],
      ['release', 3038.8, 3038.8],
      ['retire', 3038.8, 3049.8],
    ];
    for (const [n, a, b] of ph) ev.push({ name: n, ph: 'B', ts: a, pid: 3, tid: 1, cat: 'phase' }, { name: n, ph: 'E', ts: b, pid: 3, tid: 1, cat: 'phase' });
    return { traceEvents: ev, displayTimeUnit: 'ns', otherData: {} };
  }

  it('every phase has a band at least MIN_BAND px wide, in time order, and the window brackets interpose..release', () => {
    const model = timelineFromChrome(updateTrace());
    const z = renderZoom(model)!;
    expect(z.range.from).toBeLessThan(3022.6);
    expect(z.range.to).toBeGreaterThan(3038.8);
    expect(z.range.to - z.range.from).toBeLessThan(40);
    const names = z.bands.map((b) => b.name);
    for (const p of ['interpose', 'block', 'quiesce', 'transfer', 'redirect', 'release']) expect(names).toContain(p);
    for (const b of z.bands) expect(b.px, b.name).toBeGreaterThanOrEqual(MIN_BAND - 1e-9);
    // the axis is monotonic: bands do not overlap and keep their order
    const xs = [...z.svg.matchAll(/class="band" data-phase="([a-z]+)" x="([\d.]+)" y="\d+" width="([\d.]+)"/g)].map((m) => ({ name: m[1]!, x: Number(m[2]), w: Number(m[3]) }));
    expect(xs.map((b) => b.name)).toEqual(names);
    for (let i = 1; i < xs.length; i++) expect(xs[i]!.x).toBeGreaterThanOrEqual(xs[i - 1]!.x + xs[i - 1]!.w - 0.11);
    // a longer phase is drawn wider than a shorter one
    const w = (n: string): number => xs.find((b) => b.name === n)!.w;
    expect(w('quiesce')).toBeGreaterThan(w('interpose'));
    expect(w('interpose')).toBeGreaterThan(w('block'));
  });

  it('the axis maps times monotonically and an instant has two edges', () => {
    const bands = [
      { from: 10, to: 20, name: 'a' },
      { from: 20, to: 20, name: 'b' },
      { from: 20, to: 30, name: 'c' },
    ];
    const ax = new ZoomAxis(0, 40, bands, 100, 500);
    expect(ax.x(0, 'left')).toBe(100);
    expect(ax.x(40, 'right')).toBeCloseTo(600, 6);
    expect(ax.x(20, 'right') - ax.x(20, 'left')).toBeCloseTo(MIN_BAND, 6);
    let last = -Infinity;
    for (let t = 0; t <= 40; t += 0.5) {
      const x = ax.x(t, 'left');
      expect(x).toBeGreaterThanOrEqual(last);
      last = x;
    }
  });

  it('the page has the phase table, the latency table before/during/after, the stuck threads, and no raw JSON', () => {
    const r = renderReport({
      title: 't',
      trace: updateTrace(),
      summary: { updateOk: false, nested: { a: 1, b: [1, 2] }, list: ['x', 'y'] },
      calls: [
        { start: 100, end: 110 },
        { start: 3030, end: 3040 },
        { start: 5000, end: 5002 },
      ],
      stuck: [{ tid: 35, name: 'probe', fn: 'ext3_file_operations.fsync' }],
      updateError: 'ETIMEDOUT in quiesce: quiescence timed out',
    });
    expect(r.html).toContain('<svg id="zoom"');
    expect(r.html).toMatch(/<table id="phases"[\s\S]*release<\/td><td class="n">3038.8 µs<\/td><td class="n">0.00 µs/);
    expect(r.html).toMatch(/<table id="latencies"[\s\S]*before the update<\/td><td class="n">1<[\s\S]*during the update<\/td><td class="n">1<[\s\S]*after the update<\/td><td class="n">1</);
    expect(r.html).toMatch(/<table id="stuck"[\s\S]*t35 probe<\/td><td class="v">ext3_file_operations.fsync/);
    expect(r.html).toContain('ETIMEDOUT in quiesce');
    const summary = /<div id="summary"[\s\S]*?<\/div>\n<h2>/.exec(r.html)![0];
    expect(summary).not.toMatch(/[{}[\]]|&quot;/);
    expect(summary).toContain('a 1; b 1, 2');
  });
});
