/**
 * The trace recorder: typed events in the order they happen.
 *
 * Recording is append-only into one array; exporters (Chrome Trace Event JSON,
 * text timeline) turn it into files. Module call enter/exit events are the
 * most frequent and are recorded only when asked for (`calls: true`).
 */
import type { WakeReason } from './effects.ts';

export type TraceEvent =
  | { t: number; type: 'thread-start'; cpu: number; tid: number; name: string }
  | { t: number; type: 'thread-exit'; cpu: number; tid: number }
  /** CPU `cpu` now runs thread `tid` (-1: idle). */
  | { t: number; type: 'switch'; cpu: number; tid: number }
  | { t: number; type: 'block'; cpu: number; tid: number; on: string }
  | { t: number; type: 'sleep'; cpu: number; tid: number; until: number }
  | { t: number; type: 'wake'; cpu: number; tid: number; reason: WakeReason | 'killed' }
  | { t: number; type: 'irq-enter' | 'irq-exit'; cpu: number; name: string }
  | { t: number; type: 'call-enter' | 'call-exit'; cpu: number; tid: number; module: string; fn: string }
  /** A named phase on a named track (update phases, mediator phases). */
  | { t: number; type: 'phase-begin' | 'phase-end'; track: string; name: string; detail?: string }
  /** A block-device request, from submission to completion. */
  | { t: number; type: 'io'; dev: string; op: 'read' | 'write' | 'flush'; offset: number; length: number; end: number; tid: number }
  | { t: number; type: 'mark'; cpu: number; tid: number; text: string };

export type TraceEventType = TraceEvent['type'];

export interface TraceOptions {
  calls: boolean;
}

export class TraceRecorder {
  readonly events: TraceEvent[] = [];
  /** Thread names by id (thread-start carries them; kept for exporters). */
  readonly threadNames = new Map<number, string>();

  constructor(readonly options: TraceOptions) {}

  threadStart(t: number, cpu: number, tid: number, name: string): void {
    this.threadNames.set(tid, name);
    this.events.push({ t, type: 'thread-start', cpu, tid, name });
  }
  threadExit(t: number, cpu: number, tid: number): void {
    this.events.push({ t, type: 'thread-exit', cpu, tid });
  }
  switchTo(t: number, cpu: number, tid: number): void {
    this.events.push({ t, type: 'switch', cpu, tid });
  }
  block(t: number, cpu: number, tid: number, on: string): void {
    this.events.push({ t, type: 'block', cpu, tid, on });
  }
  sleep(t: number, cpu: number, tid: number, until: number): void {
    this.events.push({ t, type: 'sleep', cpu, tid, until });
  }
  wake(t: number, cpu: number, tid: number, reason: WakeReason | 'killed'): void {
    this.events.push({ t, type: 'wake', cpu, tid, reason });
  }
  irq(t: number, cpu: number, name: string, enter: boolean): void {
    this.events.push({ t, type: enter ? 'irq-enter' : 'irq-exit', cpu, name });
  }
  callEnter(t: number, cpu: number, tid: number, module: string, fn: string): void {
    if (this.options.calls) this.events.push({ t, type: 'call-enter', cpu, tid, module, fn });
  }
  callExit(t: number, cpu: number, tid: number, module: string, fn: string): void {
    if (this.options.calls) this.events.push({ t, type: 'call-exit', cpu, tid, module, fn });
  }
  phase(t: number, track: string, name: string, begin: boolean, detail?: string): void {
    const ev: TraceEvent = { t, type: begin ? 'phase-begin' : 'phase-end', track, name };
    if (detail !== undefined) ev.detail = detail;
    this.events.push(ev);
  }
  io(t: number, end: number, dev: string, op: 'read' | 'write' | 'flush', offset: number, length: number, tid: number): void {
    this.events.push({ t, type: 'io', dev, op, offset, length, end, tid });
  }
  mark(t: number, cpu: number, tid: number, text: string): void {
    this.events.push({ t, type: 'mark', cpu, tid, text });
  }

  /** Events sorted by time (stable: recording order breaks ties). */
  sorted(): TraceEvent[] {
    return this.events
      .map((e, i) => [e, i] as const)
      .sort((a, b) => a[0].t - b[0].t || a[1] - b[1])
      .map(([e]) => e);
  }
}
