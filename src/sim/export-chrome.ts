/**
 * Chrome Trace Event Format exporter (the JSON that chrome://tracing and
 * Perfetto open).
 *
 * Tracks: process 1 "CPUs" has one track per CPU showing which thread runs;
 * process 2 "Threads" has one track per thread with its running, blocked and
 * sleeping intervals and its module calls; process 3 "Phases" has one track
 * per phase track (update manager, mediators); process 4 "Devices" one per
 * disk. Timestamps are microseconds of simulated time (cycles / cyclesPerUs).
 */
import type { TraceEvent, TraceRecorder } from './trace.ts';

export interface ChromeEvent {
  name: string;
  ph: 'X' | 'B' | 'E' | 'i' | 'M';
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  cat?: string;
  s?: 't' | 'p' | 'g';
  args?: Record<string, string | number>;
}

export interface ChromeTrace {
  traceEvents: ChromeEvent[];
  displayTimeUnit: 'ns' | 'ms';
  otherData: Record<string, string | number>;
}

const PID_CPUS = 1;
const PID_THREADS = 2;
const PID_PHASES = 3;
const PID_DEVICES = 4;

export function toChromeTrace(
  trace: TraceRecorder,
  opts: { cyclesPerUs: number; cpus: number; endTime: number; meta?: Record<string, string | number> },
): ChromeTrace {
  const us = (c: number): number => c / opts.cyclesPerUs;
  const out: ChromeEvent[] = [];
  const meta = (pid: number, tid: number, kind: 'process_name' | 'thread_name', name: string): void => {
    out.push({ name: kind, ph: 'M', ts: 0, pid, tid, args: { name } });
  };
  meta(PID_CPUS, 0, 'process_name', 'CPUs');
  meta(PID_THREADS, 0, 'process_name', 'Threads');
  meta(PID_PHASES, 0, 'process_name', 'Phases');
  meta(PID_DEVICES, 0, 'process_name', 'Devices');
  for (let c = 0; c < opts.cpus; c++) meta(PID_CPUS, c, 'thread_name', `cpu${c}`);

  const name = (tid: number): string => `t${tid} ${trace.threadNames.get(tid) ?? ''}`.trim();
  const span = (pid: number, tid: number, n: string, from: number, to: number, cat: string, args?: ChromeEvent['args']): void => {
    const ev: ChromeEvent = { name: n, ph: 'X', ts: us(from), dur: Math.max(0, us(to) - us(from)), pid, tid, cat };
    if (args) ev.args = args;
    out.push(ev);
  };

  const cpuRun = new Map<number, { tid: number; from: number }>();
  const threadRun = new Map<number, number>();
  const threadWait = new Map<number, { what: string; from: number }>();
  const phaseTracks = new Map<string, number>();
  const devTracks = new Map<string, number>();
  /** The track (tid) of `key` in process `pid`, named on first use. */
  const trackOf = (tracks: Map<string, number>, pid: number, key: string): number => {
    let tid = tracks.get(key);
    if (tid === undefined) {
      tid = tracks.size + 1;
      tracks.set(key, tid);
      meta(pid, tid, 'thread_name', key);
    }
    return tid;
  };
  const endRun = (tid: number, t: number): void => {
    const from = threadRun.get(tid);
    if (from !== undefined) {
      span(PID_THREADS, tid, 'running', from, t, 'sched');
      threadRun.delete(tid);
    }
  };

  for (const e of trace.sorted() as TraceEvent[]) {
    switch (e.type) {
      case 'thread-start':
        meta(PID_THREADS, e.tid, 'thread_name', name(e.tid));
        break;
      case 'switch': {
        const prev = cpuRun.get(e.cpu);
        if (prev) {
          span(PID_CPUS, e.cpu, name(prev.tid), prev.from, e.t, 'sched', { tid: prev.tid });
          endRun(prev.tid, e.t);
          cpuRun.delete(e.cpu);
        }
        if (e.tid >= 0) {
          cpuRun.set(e.cpu, { tid: e.tid, from: e.t });
          threadRun.set(e.tid, e.t);
        }
        break;
      }
      case 'block':
      case 'sleep':
        endRun(e.tid, e.t);
        threadWait.set(e.tid, { what: e.type === 'block' ? `blocked: ${e.on}` : 'sleeping', from: e.t });
        break;
      case 'wake': {
        const w = threadWait.get(e.tid);
        if (w) {
          span(PID_THREADS, e.tid, w.what, w.from, e.t, 'wait', { reason: e.reason });
          threadWait.delete(e.tid);
        }
        break;
      }
      case 'thread-exit':
        endRun(e.tid, e.t);
        break;
      case 'irq-enter':
      case 'irq-exit':
        out.push({ name: `${e.type === 'irq-enter' ? 'irq' : 'irq-done'} ${e.name}`, ph: 'i', s: 't', ts: us(e.t), pid: PID_CPUS, tid: e.cpu, cat: 'irq' });
        break;
      case 'call-enter':
        out.push({ name: `${e.module}.${e.fn}`, ph: 'B', ts: us(e.t), pid: PID_THREADS, tid: e.tid, cat: 'call' });
        break;
      case 'call-exit':
        out.push({ name: `${e.module}.${e.fn}`, ph: 'E', ts: us(e.t), pid: PID_THREADS, tid: e.tid, cat: 'call' });
        break;
      case 'phase-begin':
      case 'phase-end': {
        const tid = trackOf(phaseTracks, PID_PHASES, e.track);
        const ev: ChromeEvent = { name: e.name, ph: e.type === 'phase-begin' ? 'B' : 'E', ts: us(e.t), pid: PID_PHASES, tid, cat: 'phase' };
        if (e.detail !== undefined) ev.args = { detail: e.detail };
        out.push(ev);
        break;
      }
      case 'io': {
        const tid = trackOf(devTracks, PID_DEVICES, e.dev);
        span(PID_DEVICES, tid, `${e.op} @${e.offset}`, e.t, e.end, 'io', { length: e.length, tid: e.tid });
        break;
      }
      case 'mark':
        out.push({ name: e.text, ph: 'i', s: 't', ts: us(e.t), pid: PID_THREADS, tid: e.tid, cat: 'mark' });
        break;
    }
  }
  // Close whatever is still open at the end of the run.
  for (const [cpu, r] of cpuRun) span(PID_CPUS, cpu, name(r.tid), r.from, opts.endTime, 'sched', { tid: r.tid });
  for (const [tid, from] of threadRun) span(PID_THREADS, tid, 'running', from, opts.endTime, 'sched');
  for (const [tid, w] of threadWait) span(PID_THREADS, tid, w.what, w.from, opts.endTime, 'wait');
  return { traceEvents: out, displayTimeUnit: 'ns', otherData: { generator: 'modswap', cyclesPerUs: opts.cyclesPerUs, ...opts.meta } };
}
