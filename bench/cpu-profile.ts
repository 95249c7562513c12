/**
 * Where a benchmark's wall time goes: a V8 CPU profile of one extra run
 * (node:inspector, in process), summarised as self time per source file
 * and per function. The timed runs are never profiled (the sampler costs
 * time); the profiled run says where the time goes, the timed runs how much.
 */
import { Session } from 'node:inspector/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  ms: number;
  /** Of the profiled run's sampled time. */
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time by source file (repository-relative), plus V8's own entries ("(garbage collector)", ...). */
  byFile: ProfileShare[];
  /** Self time by function ("name file"). */
  byFunction: ProfileShare[];
}

const root = fileURLToPath(new URL('..', import.meta.url));

function fileOf(url: string): string {
  if (!url) return '';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const rel = relative(root, path);
  return rel.startsWith('..') ? path : rel;
}

function top(m: Map<string, number>, total: number): ProfileShare[] {
  return [...m]
    .map(([name, us]) => ({ name, ms: us / 1000, share: total > 0 ? us / total : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

/** Run `body` once under the CPU profiler (sampling every 200 us) and summarise its self time. */
export async function profileRun(body: () => void): Promise<ProfileSummary> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    body();
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const files = new Map<string, number>();
    const fns = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      const n = byId.get(profile.samples[i]!);
      const dt = profile.timeDeltas[i] ?? 0;
      // Skip idle time, and the inspector's own message dispatch (Profiler.start/stop: the first
      // sample's delta runs from the start of profiling, before `body` began).
      if (!n || n.callFrame.functionName === '(idle)' || (i === 0 && !n.callFrame.url) || (n.callFrame.functionName === 'dispatch' && !n.callFrame.url)) continue;
      total += dt;
      // V8's entries ("(garbage collector)", "(program)") keep their names; other code without a script is native.
      const name = n.callFrame.functionName || '(anonymous)';
      const native = !n.callFrame.url && !name.startsWith('(');
      const f = fileOf(n.callFrame.url) || (native ? `native ${name}` : name);
      files.set(f, (files.get(f) ?? 0) + dt);
      const fn = n.callFrame.url ? `${name} ${fileOf(n.callFrame.url)}` : native ? `native ${name}` : name;
      fns.set(fn, (fns.get(fn) ?? 0) + dt);
    }
    return { totalMs: total / 1000, byFile: top(files, total), byFunction: top(fns, total) };
  } finally {
    await session.post('Profiler.disable').catch(() => undefined);
    session.disconnect();
  }
}
