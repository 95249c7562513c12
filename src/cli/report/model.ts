/**
 * The timeline model of a report: what the HTML page draws, derived from a
 * Chrome trace (the one format every demo, workload and scenario produces;
 * a `TraceRecorder` goes through `toChromeTrace` first).
 *
 * The Chrome exporter (src/sim/export-chrome.ts) lays a run out as four
 * processes: 1 CPUs (one track per CPU, an X span per thread run), 2 Threads
 * (running / "blocked: QUEUE" / sleeping spans, B/E module calls, marks),
 * 3 Phases (B/E phases per track: "update ext3", "k42 svc", ...) and
 * 4 Devices (I/O requests). This file reads that layout back into rows of
 * classified intervals, phase spans and call latencies, all in microseconds.
 *
 * A thread's wait is classified from the wait-queue name, because that is
 * the only thing the trace knows about why a thread waits: `mediator ...`
 * (Linux path) and `k42 mediator ...` (K42 path) are waits at an update
 * mediator; `disk ...` and `buffer cache ...` are I/O; the rest (locks,
 * joins, K42 barriers) is "other wait".
 */
import type { ChromeEvent, ChromeTrace } from '../../sim/export-chrome.ts';

export type ThreadState = 'running' | 'mediator' | 'io' | 'sleeping' | 'waiting';
export type CpuState = 'busy' | 'update';

export interface Interval<S extends string> {
  from: number;
  to: number;
  state: S;
}

export interface ThreadRow {
  tid: number;
  name: string;
  first: number;
  last: number;
  spans: Interval<ThreadState>[];
  /** Time spent waiting at a mediator (µs), to choose rows worth showing. */
  mediatorUs: number;
}

export interface PhaseSpan {
  track: string;
  name: string;
  from: number;
  to: number;
}

export interface CallSample {
  start: number;
  end: number;
}

export interface TimelineModel {
  /** End of the run (µs). */
  end: number;
  cpus: Interval<CpuState>[][];
  threads: ThreadRow[];
  phases: PhaseSpan[];
  /** Phase track names in order of first appearance. */
  tracks: string[];
  /** Outermost module calls (from B/E call events), if the trace recorded calls. */
  calls: CallSample[];
}

const PID_CPUS = 1;
const PID_THREADS = 2;
const PID_PHASES = 3;

/** Threads whose CPU time counts as update work on the CPU rows. */
const UPDATE_THREAD = /updat|switch|k42fs-updater/i;

export function classifyWait(name: string): ThreadState {
  if (name === 'sleeping') return 'sleeping';
  const on = name.startsWith('blocked: ') ? name.slice(9) : name;
  if (on.startsWith('mediator ') || on.startsWith('k42 mediator ')) return 'mediator';
  if (on.startsWith('disk ') || on.startsWith('buffer cache ')) return 'io';
  return 'waiting';
}

export function timelineFromChrome(trace: ChromeTrace): TimelineModel {
  const cpuNames = new Map<number, string>();
  const threadNames = new Map<number, string>();
  const trackNames = new Map<number, string>();
  let end = 0;
  for (const e of trace.traceEvents) {
    end = Math.max(end, e.ts + (e.dur ?? 0));
    if (e.ph !== 'M' || e.name !== 'thread_name') continue;
    const n = String(e.args?.['name'] ?? '');
    if (e.pid === PID_CPUS) cpuNames.set(e.tid, n);
    else if (e.pid === PID_THREADS) threadNames.set(e.tid, n);
    else if (e.pid === PID_PHASES) trackNames.set(e.tid, n);
  }
  const ncpus = Math.max(cpuNames.size, ...[...cpuNames.keys()].map((c) => c + 1), 0);
  const cpus: Interval<CpuState>[][] = Array.from({ length: ncpus }, () => []);
  const rows = new Map<number, ThreadRow>();
  const row = (tid: number): ThreadRow => {
    let r = rows.get(tid);
    if (!r) {
      r = { tid, name: threadNames.get(tid) ?? `t${tid}`, first: Infinity, last: -Infinity, spans: [], mediatorUs: 0 };
      rows.set(tid, r);
    }
    return r;
  };
  const phases: PhaseSpan[] = [];
  const tracks: string[] = [];
  const openPhase = new Map<number, ChromeEvent[]>();
  const openCall = new Map<number, ChromeEvent[]>();
  const calls: CallSample[] = [];

  for (const e of trace.traceEvents) {
    if (e.pid === PID_CPUS && e.ph === 'X') {
      const tname = threadNames.get(Number(e.args?.['tid'] ?? -1)) ?? e.name;
      cpus[e.tid]?.push({ from: e.ts, to: e.ts + (e.dur ?? 0), state: UPDATE_THREAD.test(tname) ? 'update' : 'busy' });
    } else if (e.pid === PID_THREADS && e.ph === 'X') {
      const r = row(e.tid);
      const state: ThreadState = e.cat === 'sched' ? 'running' : classifyWait(e.name);
      const to = e.ts + (e.dur ?? 0);
      r.spans.push({ from: e.ts, to, state });
      r.first = Math.min(r.first, e.ts);
      r.last = Math.max(r.last, to);
      if (state === 'mediator') r.mediatorUs += to - e.ts;
    } else if (e.pid === PID_THREADS && e.cat === 'call' && (e.ph === 'B' || e.ph === 'E')) {
      const stack = openCall.get(e.tid) ?? [];
      openCall.set(e.tid, stack);
      if (e.ph === 'B') stack.push(e);
      else {
        const b = stack.pop();
        if (b && stack.length === 0) calls.push({ start: b.ts, end: e.ts });
      }
    } else if (e.pid === PID_PHASES && (e.ph === 'B' || e.ph === 'E')) {
      const track = trackNames.get(e.tid) ?? `track ${e.tid}`;
      if (!tracks.includes(track)) tracks.push(track);
      const stack = openPhase.get(e.tid) ?? [];
      openPhase.set(e.tid, stack);
      if (e.ph === 'B') stack.push(e);
      else {
        const b = stack.pop();
        if (b) phases.push({ track, name: b.name, from: b.ts, to: e.ts });
      }
    }
  }
  // Phases still open at the end of the run last until the end.
  for (const [tid, stack] of openPhase) {
    for (const b of stack) phases.push({ track: trackNames.get(tid) ?? `track ${tid}`, name: b.name, from: b.ts, to: end });
  }
  phases.sort((a, b) => a.from - b.from || a.to - b.to);
  const threads = [...rows.values()].filter((r) => r.spans.length > 0).sort((a, b) => a.tid - b.tid);
  return { end, cpus, threads, phases, tracks, calls };
}

/**
 * Phase priority when several tracks overlap (K42 swaps object by object):
 * the band shows the most disruptive phase any track is in at that moment.
 */
const PHASE_RANK: Record<string, number> = {
  block: 10,
  quiesce: 9,
  transfer: 8,
  redirect: 7,
  interpose: 6,
  forward: 5,
  rollback: 4,
  release: 3,
  check: 2,
  completed: 1,
  retire: 0,
};

export function phaseRank(name: string): number {
  return PHASE_RANK[name] ?? -1;
}

/** The phase bands drawn across the whole chart: one phase per instant. */
export function phaseBands(phases: readonly PhaseSpan[]): { from: number; to: number; name: string }[] {
  const cuts = [...new Set(phases.flatMap((p) => [p.from, p.to]))].sort((a, b) => a - b);
  const out: { from: number; to: number; name: string }[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i]!;
    const b = cuts[i + 1]!;
    let best: PhaseSpan | undefined;
    for (const p of phases) {
      if (p.from <= a && p.to >= b && (!best || phaseRank(p.name) > phaseRank(best.name))) best = p;
    }
    if (!best) continue;
    const last = out[out.length - 1];
    if (last && last.name === best.name && last.to === a) last.to = b;
    else out.push({ from: a, to: b, name: best.name });
  }
  return out;
}

/** The update windows (µs): each maximal stretch covered by some phase. */
export function updateWindows(phases: readonly PhaseSpan[]): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  for (const p of [...phases].sort((a, b) => a.from - b.from)) {
    const last = out[out.length - 1];
    if (last && p.from <= last.to) last.to = Math.max(last.to, p.to);
    else out.push({ from: p.from, to: p.to });
  }
  return out;
}
