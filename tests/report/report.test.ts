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
