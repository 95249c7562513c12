/**
 * A sweep: seeds S..S+N-1, each a fuzz case (alternating paths), plus a
 * ration of hostile inputs per seed (two manifests and two scenario texts
 * per seed, a damaged image written to per seed, a corrupted image walked
 * every 25th seed), aggregated into a summary
 * that merges associatively (so a sweep split across processes by seed
 * range gives the same summary as one process). A failing case is shrunk
 * and kept with its replay.
 */
import { caseForSeed, describeCase, type FuzzCase, type FuzzPath } from './case.ts';
import { runLinuxCase, linuxReplayCommand, linuxScript, type CaseOutcome } from './linux-case.ts';
import { runK42Case } from './k42-case.ts';
import { shrink } from './shrink.ts';
import { imageTrial, IMAGE_REGIONS } from './hostile-image.ts';
import { manifestTrial, scenarioTrial } from './hostile-inputs.ts';
import { writeTrial } from './hostile-writes.ts';

export interface FailureRecord {
  seed: number;
  original: string;
  failure: string;
  shrunk: FuzzCase;
  shrunkDescription: string;
  shrinkRuns: number;
  /** The exact replay: `modswap fuzz` for every case, and the shell script for a Linux case. */
  replay: string;
}

export interface SweepSummary {
  seeds: number;
  start: number;
  /** Seed ranges run, [first, count] (several after a --jobs sweep stopped by its time budget). */
  ranges: [number, number][];
  cases: Record<string, number>;
  ops: number;
  updatesOk: number;
  rolledBack: number;
  faultsInjected: Record<string, number>;
  secondUpdates: { ebusy: number; missed: number };
  fsckClean: number;
  /** Passing ext3 1->2 cases where e2fsck reported exactly the directory link counts the model predicts release 1 got wrong (exit 4). */
  fsckPredicted: number;
  hostile: {
    manifests: number;
    scenarios: number;
    images: number;
    imageOutcomes: Record<string, number>;
    /** Damaged mke2fs images mounted and written to (hostile-writes.ts), and their outcomes. */
    writes: number;
    writeOutcomes: Record<string, number>;
    /** Calls made on them: succeeded, failed with an errno. */
    writeCalls: { ok: number; errno: number };
    violations: string[];
  };
  failures: FailureRecord[];
}

export function emptySummary(start = 0): SweepSummary {
  return { seeds: 0, start, ranges: [], cases: {}, ops: 0, updatesOk: 0, rolledBack: 0, faultsInjected: {}, secondUpdates: { ebusy: 0, missed: 0 }, fsckClean: 0, fsckPredicted: 0, hostile: { manifests: 0, scenarios: 0, images: 0, imageOutcomes: {}, writes: 0, writeOutcomes: {}, writeCalls: { ok: 0, errno: 0 }, violations: [] }, failures: [] };
}

const add = (m: Record<string, number>, k: string, n = 1): void => {
  m[k] = (m[k] ?? 0) + n;
};

export function runCase(c: FuzzCase): CaseOutcome {
  try {
    return c.path === 'linux' ? runLinuxCase(c) : runK42Case(c);
  } catch (e) {
    // anything escaping a case (an exception out of the simulation, an unmount) is a finding, not a crash of the sweep
    const m = e instanceof Error ? e.message : String(e);
    return { ok: false, failure: `uncaught: ${m.split('\n')[0]}`, update: 'unknown', faultInjected: null, secondUpdate: null, ops: 0, fsck: null };
  }
}

/** A label for the case's configuration (the report counts cases per label). */
export function caseLabel(c: FuzzCase): string {
  return c.path === 'linux' ? `linux ${c.strategy} ext3 ${c.from}->${c.to}` : `k42 ${c.mode} ext3 ${c.from}->${c.from + 1}`;
}

export function replayFor(c: FuzzCase): string {
  const fuzz = `modswap fuzz --paths ${c.path} --start ${c.seed} --seeds 1   # exact replay (same case, same seed)`;
  if (c.path === 'k42') return fuzz;
  const extras = [c.perturb ? 'schedule perturbation' : '', c.second ? 'a second update racing the first' : '', c.fault ? `a fault thrown at ${c.fault}` : ''].filter(Boolean);
  const note = extras.length ? `# the fuzz run adds ${extras.join(', ')}, which the shell cannot express\n` : '';
  return `${fuzz}\n# or, as a shell script (case.sh):\n${note}${linuxReplayCommand(c)}\n${linuxScript(c).trimEnd()}`;
}

/** Run one seed: its fuzz case (shrunk on failure) and its ration of hostile inputs. */
export function runSeed(seed: number, paths: readonly FuzzPath[], into: SweepSummary): void {
  const c = caseForSeed(seed, paths);
  const o = runCase(c);
  into.seeds++;
  add(into.cases, caseLabel(c));
  into.ops += o.ops;
  if (o.update.startsWith('ok')) into.updatesOk++;
  if (o.update.startsWith('rolled back')) into.rolledBack++;
  if (o.faultInjected) add(into.faultsInjected, o.faultInjected);
  if (o.secondUpdate) into.secondUpdates[o.secondUpdate]++;
  if (o.fsck === 0) into.fsckClean++;
  // a case passes with e2fsck unclean only when it found exactly release 1's predicted link counts (linux-case.ts)
  else if (o.ok && o.fsck !== null) into.fsckPredicted++;
  if (!o.ok) {
    const s = shrink(c, o.failure ?? '?', (x) => {
      const r = runCase(x);
      return r.ok ? null : r.failure;
    });
    into.failures.push({ seed, original: describeCase(c), failure: s.failure, shrunk: s.smallest, shrunkDescription: describeCase(s.smallest), shrinkRuns: s.runs, replay: replayFor(s.smallest) });
  }
  for (const t of [manifestTrial(seed * 2), manifestTrial(seed * 2 + 1)]) {
    into.hostile.manifests++;
    if (t.violation) into.hostile.violations.push(`manifest seed ${seed}: ${t.violation}`);
  }
  for (const t of [scenarioTrial(seed * 2), scenarioTrial(seed * 2 + 1)]) {
    into.hostile.scenarios++;
    if (t.violation) into.hostile.violations.push(`scenario seed ${seed}: ${t.violation}`);
  }
  // one damaged image written to per seed (bitmaps and inode tables of a small mke2fs image)
  let w;
  try {
    w = writeTrial(seed);
  } catch (e) {
    w = { image: '?', region: '?', outcome: 'written', ok: 0, errnos: 0, violation: `uncaught: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
  into.hostile.writes++;
  add(into.hostile.writeOutcomes, `${w.image} ${w.region} ${w.outcome}`);
  into.hostile.writeCalls.ok += w.ok;
  into.hostile.writeCalls.errno += w.errnos;
  if (w.violation) into.hostile.violations.push(`written image seed ${seed} ${w.image} ${w.region}: ${w.violation}`);
  if (seed % 25 === 0) {
    const region = IMAGE_REGIONS[(seed / 25) % IMAGE_REGIONS.length]!;
    let t;
    try {
      t = imageTrial(seed, region, 1 + (seed % 16));
    } catch (e) {
      t = { outcome: 'mounted-errors', violation: `uncaught: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
    }
    into.hostile.images++;
    add(into.hostile.imageOutcomes, `${region} ${t.outcome}`);
    if (t.violation) into.hostile.violations.push(`image seed ${seed} ${region}: ${t.violation}`);
  }
}

/** Merge summaries of disjoint seed ranges. */
export function mergeSummaries(parts: readonly SweepSummary[]): SweepSummary {
  const m = emptySummary(Math.min(...parts.map((p) => p.start)));
  // in seed order, whatever order the parts finished in: lists and counters come out as one process's would
  const first = (p: SweepSummary): number => p.ranges[0]?.[0] ?? p.start;
  for (const p of [...parts].sort((a, b) => first(a) - first(b))) {
    m.seeds += p.seeds;
    m.ranges.push(...p.ranges);
    m.ops += p.ops;
    m.updatesOk += p.updatesOk;
    m.rolledBack += p.rolledBack;
    m.fsckClean += p.fsckClean;
    m.fsckPredicted += p.fsckPredicted;
    for (const [k, v] of Object.entries(p.cases)) add(m.cases, k, v);
    for (const [k, v] of Object.entries(p.faultsInjected)) add(m.faultsInjected, k, v);
    m.secondUpdates.ebusy += p.secondUpdates.ebusy;
    m.secondUpdates.missed += p.secondUpdates.missed;
    m.hostile.manifests += p.hostile.manifests;
    m.hostile.scenarios += p.hostile.scenarios;
    m.hostile.images += p.hostile.images;
    for (const [k, v] of Object.entries(p.hostile.imageOutcomes)) add(m.hostile.imageOutcomes, k, v);
    m.hostile.writes += p.hostile.writes;
    for (const [k, v] of Object.entries(p.hostile.writeOutcomes)) add(m.hostile.writeOutcomes, k, v);
    m.hostile.writeCalls.ok += p.hostile.writeCalls.ok;
    m.hostile.writeCalls.errno += p.hostile.writeCalls.errno;
    m.hostile.violations.push(...p.hostile.violations);
    m.failures.push(...p.failures);
  }
  m.failures.sort((a, b) => a.seed - b.seed);
  m.ranges = coalesceRanges(m.ranges);
  return m;
}

/** Sorted, with adjacent [first, count] ranges joined (a sweep's chunks read as one range). */
export function coalesceRanges(ranges: readonly [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, n] of [...ranges].sort((x, y) => x[0] - y[0])) {
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === a) last[1] += n;
    else out.push([a, n]);
  }
  return out;
}
