/**
 * Plain-text timeline exporter: one line per trace event, time in
 * microseconds of simulated time, e.g.
 *
 *      12.345 us  cpu1  t3 worker-3        block on "inode-lock"
 */
import type { TraceEvent, TraceRecorder } from './trace.ts';

export interface TextOptions {
  cyclesPerUs: number;
  /** Only these event types (default: all but module calls). */
  types?: ReadonlySet<TraceEvent['type']>;
  /** At most this many lines (a final line says how many were left out). */
  maxLines?: number;
}

export function toTextTimeline(trace: TraceRecorder, opts: TextOptions): string {
  const lines: string[] = [];
  const events = trace.sorted();
  const max = opts.maxLines ?? Infinity;
  let skipped = 0;
  for (const e of events) {
    if (opts.types ? !opts.types.has(e.type) : e.type === 'call-enter' || e.type === 'call-exit') continue;
    if (lines.length >= max) {
      skipped++;
      continue;
    }
    lines.push(formatEvent(e, trace, opts.cyclesPerUs));
  }
  if (skipped > 0) lines.push(`... ${skipped} more event(s)`);
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}

export function formatTime(cycles: number, cyclesPerUs: number): string {
  return `${(cycles / cyclesPerUs).toFixed(3).padStart(12)} us`;
}

function who(trace: TraceRecorder, tid: number): string {
  return `t${tid} ${trace.threadNames.get(tid) ?? ''}`.padEnd(18);
}

function formatEvent(e: TraceEvent, trace: TraceRecorder, cpu: number): string {
  const ts = formatTime(e.t, cpu);
  switch (e.type) {
    case 'thread-start':
      return `${ts}  cpu${e.cpu}  ${who(trace, e.tid)} start`;
    case 'thread-exit':
      return `${ts}  cpu${e.cpu}  ${who(trace, e.tid)} exit`;
    case 'switch':
      return e.tid < 0 ? `${ts}  cpu${e.cpu}  ${''.padEnd(18)} idle` : `${ts}  cpu${e.cpu}  ${who(trace, e.tid)} runs`;
    case 'block':
      return `${ts}  cpu${e.cpu}  ${who(trace, e.tid)} blocks on "${e.on}"`;
    case 'sleep':
      return `${ts}  cpu${e.cpu}  ${who(trace, e.tid)} sleeps until ${(e.until / cpu).toFixed(3)} us`;
    case 'wake':
      return `${ts}  cpu${e.cpu}  ${who(trace, e.tid)} wakes (${e.reason})`;
    case 'irq-enter':
      return `${ts}  cpu${e.cpu}  ${''.padEnd(18)} interrupt ${e.name}`;
    case 'irq-exit':
      return `${ts}  cpu${e.cpu}  ${''.padEnd(18)} interrupt ${e.name} done`;
    case 'call-enter':
      return `${ts}  cpu${e.cpu}  ${who(trace, e.tid)} -> ${e.module}.${e.fn}`;
    case 'call-exit':
      return `${ts}  cpu${e.cpu}  ${who(trace, e.tid)} <- ${e.module}.${e.fn}`;
    case 'phase-begin':
      return `${ts}  [${e.track}] phase ${e.name} begins${e.detail ? ': ' + e.detail : ''}`;
    case 'phase-end':
      return `${ts}  [${e.track}] phase ${e.name} ends${e.detail ? ': ' + e.detail : ''}`;
    case 'io':
      return `${ts}  [${e.dev}] ${e.op} ${e.length} B at ${e.offset} for t${e.tid}, done at ${(e.end / cpu).toFixed(3)} us`;
    case 'mark':
      return `${ts}  cpu${e.cpu}  ${who(trace, e.tid)} ${e.text}`;
  }
}
