/**
 * Demo `k42-fs-update`: the ext3-style file system served as K42 objects
 * (src/k42/fs) under an fsstress load on 4 CPUs, updated live from v1 (the
 * rename link-count bug) to v2: the superblock object is hot-swapped (engine
 * state moved with exportState/importState), then the inode factory and
 * every inode object. Prints the swaps' phases and a summary; the results
 * are checked against a run without update.
 */
import { runK42Workload, type FsWorkloadResult } from '../../k42/fs/index.ts';
import { registerDemo, type DemoOptions, type DemoResult } from './registry.ts';

export function runK42FsUpdate(opts: DemoOptions): DemoResult {
  const cpus = opts.cpus ?? 4;
  const threads = opts.threads ?? 8;
  const common = { cpus, threads, opsPerThread: 120, seed: opts.seed } as const;
  const r = runK42Workload({ ...common, fromVersion: 1, toVersion: 2, mode: 'eager', updateAt: { ops: 2 * threads }, trace: true });
  const base: FsWorkloadResult = runK42Workload({ ...common, fromVersion: 2 });
  const cpu = r.detail.cyclesPerUs;
  const u = r.update!;
  const us = (c: number): string => ((c - u.startedAt) / cpu).toFixed(1);
  const same = JSON.stringify(r.results) === JSON.stringify(base.results) && JSON.stringify(r.finalTree) === JSON.stringify(base.finalTree);
  const lines: string[] = [];
  lines.push(`K42 file service: live update ext3 v1 -> v2 under fsstress, ${cpus} CPUs x ${threads} threads, seed ${opts.seed}`);
  lines.push('(times in us relative to the start of the update)');
  lines.push('');
  const shown = u.swaps.filter((s, i) => !s.object.startsWith('ino') || i < 6 || s.blocked > 0);
  for (const s of shown) {
    const ph = s.phases.map((p) => `${p.phase}@${us(p.t)}`).join(' ');
    lines.push(`  ${s.object.padEnd(22)} ${ph}  fwd ${s.forwarded} blk ${s.blocked}`);
  }
  if (shown.length < u.swaps.length) lines.push(`  ... ${u.swaps.length - shown.length} more inode objects swapped without a waiting call`);
  lines.push('');
  lines.push(
    `summary: update ${u.ok ? 'ok' : `FAILED ${u.error}`} in ${(r.updateDurationCycles / cpu).toFixed(1)} us, ${u.swaps.length} objects swapped; ` +
      `${r.workDoneDuringUpdate} ops completed during it; ${r.callsBlocked} calls blocked (${(100 * r.shareOfCallsThatWaited).toFixed(2)}% of requests), ` +
      `longest stall ${(r.longestStallCycles / cpu).toFixed(1)} us; steady state ${(r.steadyStateCyclesPerCall / cpu).toFixed(1)} us per request ` +
      `(median ${(r.latencies.p50 / cpu).toFixed(1)} us); results and final tree equal to a run without update: ${same}`,
  );
  return {
    text: lines.join('\n') + '\n',
    summary: {
      cpus,
      threads,
      ops: r.totalOps,
      updateOk: u.ok,
      objectsSwapped: u.swaps.length,
      updateCycles: r.updateDurationCycles,
      workDoneDuringUpdate: r.workDoneDuringUpdate,
      callsBlocked: r.callsBlocked,
      longestStallCycles: r.longestStallCycles,
      shareOfCallsThatWaited: r.shareOfCallsThatWaited,
      steadyStateCyclesPerCall: r.steadyStateCyclesPerCall,
      sameAsWithoutUpdate: same,
    },
    trace: r.trace!,
    ok: u.ok && same,
  };
}

registerDemo({
  name: 'k42-fs-update',
  summary: 'K42 file service: ext3 v1 -> v2 updated live, object by object, under fsstress',
  run: runK42FsUpdate,
});
