/**
 * Running a scenario: one engine for `modswap run` and `modswap demo` (a
 * demo is the scenario scenarios/NAME.*).
 *
 *   linux path  `runLinuxSystem` (linux-run.ts): buildSystem, fsstress
 *               workers, the probe script, the update manager with the
 *               scenario's options and injected fault, the model check and
 *               e2fsck
 *   k42 path    `runK42Workload` (src/workload/k42-driver.ts), plus a run
 *               without the update when the scenario asks whether the
 *               results are the same, and e2fsck on the image it returns
 *   demo        a programmatic demo by name (src/cli/demos: K42 clustered
 *               objects and the bare engine, whose load is not a
 *               file-system workload); its summary becomes the metrics
 *
 * Every path ends in the same `ScenarioOutcome`: metrics (flat, named as
 * expectations name them), the expectations checked, a readable text, the
 * Chrome trace, the operation latencies and the stuck-thread report for
 * the report page.
 *
 * A scenario that declares an update (or runs a demo) and names neither
 * `updateOk` nor `updateError` (`demoOk`) in `expect` gets the implicit
 * expectation that it succeeded: a failed update cannot pass silently.
 */
import { E2FSPROGS_HINT } from '../../ext2/e2fsprogs.ts';
import { ErrnoError, errno } from '../../uapi/errno.ts';
import type { ChromeTrace } from '../../sim/export-chrome.ts';
import { Machine } from '../../hw-ppc64/machine.ts';
import { ext3Definition, shippedKeyring } from '../../modules/ext3-releases.ts';
import type { ModuleDefinition } from '../../modules/core/module.ts';
import { Keyring } from '../../modules/update/keyring.ts';
import { loadPackageSync } from '../../modules/update/load.ts';
import type { UpdateOptions } from '../../modules/update/manager.ts';
import type { StuckThread } from '../../modules/update/types.ts';
import { runK42Workload } from '../../workload/k42-driver.ts';
import type { K42FsVersion } from '../../k42/fs/types.ts';
import { PosixModel } from '../../workload/model.ts';
import { workloadSetupOps, type FsOpRecord, type WorkloadUpdateSummary } from '../../workload/run.ts';
import { findDemo } from '../demos/index.ts';
import { describeRun, runLinuxSystem, type LinuxRunSpec, type UpdateSpec } from './linux-run.ts';
import { e2fsck } from '../../ext2/e2fsprogs.ts';
import type { ExpectationLine } from '../report/html.ts';
import type { CallSample } from '../report/model.ts';
import { checkAll, flattenSummary, type Metrics } from './expect.ts';
import { probeScript, type ProbeResults } from './probe.ts';
import type { Scenario } from '../../system/scenario.ts';

export interface ScenarioOutcome {
  name: string;
  ok: boolean;
  expectations: ExpectationLine[];
  metrics: Metrics;
  text: string;
  trace: ChromeTrace;
  /** Operation latencies in µs of simulated time (for the report's histogram). */
  calls: CallSample[];
  /** Threads found inside the old module when quiescence timed out (Linux path). */
  stuck: StuckThread[];
  /** Why the update failed, one line; null if it did not fail (or there was none). */
  updateError: string | null;
}

export interface RunOverrides {
  /** Worker threads of a programmatic demo (a workload's come from the scenario). */
  threads?: number | undefined;
}

/**
 * The e2fsckClean metric of a run that has an image: whether e2fsck -fn
 * exited 0, or, when e2fsprogs is missing, a string with the install hint,
 * so an expectation `e2fsckClean: true` fails and says how to fix it.
 */
function fsckMetric(fsck: { status: number } | null): boolean | string {
  return fsck ? fsck.status === 0 : `e2fsck not installed (${E2FSPROGS_HINT})`;
}

function injector(point: string | undefined): Pick<UpdateOptions, 'inject'> {
  if (!point) return {};
  return {
    inject(p) {
      if (p === point) throw errno('ENOMEM', `fault injected at ${p} by the scenario`);
    },
  };
}

/**
 * The code a scenario's update installs: the package it names (verified
 * against its keyring, linked: a refusal is kept and fails the update's
 * `check`, as the shell's update command does), else the shipped release.
 */
function updateCode(u: NonNullable<Scenario['update']>): Pick<UpdateSpec, 'def' | 'source' | 'manifest' | 'packageError'> {
  if (u.package === undefined) return { def: ext3Definition(u.to), source: `built-in ${u.module} ${u.to}` };
  const pkg = u.package;
  let packageError: ErrnoError;
  try {
    const ring = u.keyring !== undefined ? Keyring.fromDirectory(u.keyring) : shippedKeyring();
    const p = loadPackageSync(pkg, ring);
    return { def: p.def, source: pkg, manifest: p.manifest };
  } catch (e) {
    if (e instanceof ErrnoError) packageError = e;
    else if (e instanceof Error) packageError = new ErrnoError('EKEYREJECTED', 'update', u.keyring ?? pkg, e.message);
    else throw e;
  }
  // never instantiated: check fails on packageError first
  const def: ModuleDefinition = {
    name: u.module,
    version: String(u.to),
    description: `package ${pkg} (refused: ${packageError.code})`,
    depends: [],
    instantiate: () => {
      throw packageError;
    },
  };
  return { def, source: pkg, packageError };
}

function runLinux(s: Scenario): Omit<ScenarioOutcome, 'ok' | 'expectations'> {
  const results: ProbeResults = new Map();
  const u = s.update;
  const opts: UpdateOptions = {
    ...(u?.timeoutUs !== undefined ? { timeoutUs: u.timeoutUs } : {}),
    ...(u?.tries !== undefined ? { tries: u.tries } : {}),
    ...(u?.backoffUs !== undefined ? { backoffUs: u.backoffUs } : {}),
    ...injector(u?.inject),
  };
  const spec: LinuxRunSpec = {
    system: {
      cpus: s.machine.cpus,
      model: s.machine.model,
      seed: s.seed,
      fs: s.fs.type,
      ext3Version: s.fs.version,
      ...(s.fs.image !== 'fresh' ? { image: s.fs.image } : {}),
      imageMiB: s.fs.sizeMiB,
      strategy: s.strategy,
      ...(s.machine.perturb ? { perturb: { preemptProbability: 0.03, maxDelayCycles: 2000 } } : {}),
    },
    workload: {
      threads: s.workload.threads,
      ops: s.workload.opsPerThread,
      ...(s.workload.mix ? { mix: s.workload.mix } : {}),
      ...(s.workload.maxFileSize ? { maxFileSize: s.workload.maxFileSize } : {}),
      ...(s.workload.maxWrite ? { maxWrite: s.workload.maxWrite } : {}),
    },
    ...(u
      ? {
          update: {
            module: u.module,
            ...updateCode(u),
            atUs: u.at === 'probe' ? ('probe' as const) : 'us' in u.at ? u.at.us : 0,
            opts,
          },
        }
      : {}),
    ...(s.probe.length > 0 ? { probe: probeScript(s.probe, results) } : {}),
  };
  const run = runLinuxSystem(spec);
  const cpu = run.b.machine.engine.cyclesPerUs;
  const r = run.report;
  const metrics: Metrics = {
    updateOk: r ? r.ok : null,
    updateError: r ? (r.error?.code ?? 'none') : null,
    updatePhase: r ? r.phase : null,
    moduleVersion: u ? (run.b.system.modules.get(u.module)?.version ?? null) : null,
    maxStallUs: r ? r.longestStallCycles / cpu : null,
    callsBlocked: r ? r.stats.blocked : null,
    callsMediated: r ? r.stats.mediated : null,
    updateUs: r ? r.durationCycles / cpu : null,
    blockWindowUs: r ? r.blockWindowCycles / cpu : null,
    quiescenceVerified: r ? r.quiescenceVerified : null,
    stuckThreads: r ? r.stuck.length : null,
    inodesConverted: r ? r.instances.inodes : null,
    totalOps: run.totalOps,
    opsDuringUpdate: run.opsDuringUpdate,
    mismatches: run.mismatches.length,
    allResultsMatchModel: run.mismatches.length === 0,
    e2fsckClean: run.b.disk ? fsckMetric(run.fsck) : null,
  };
  for (const [k, v] of results) metrics[`probe.${k}`] = v;
  const calls = run.logs.flat().map((o) => ({ start: o.start / cpu, end: o.end / cpu }));
  return { name: s.name, metrics, text: describeRun(run), trace: run.trace, calls, stuck: r?.stuck ?? [], updateError: r?.error ? `${r.error.code} in ${r.error.phase}: ${r.error.message}` : null };
}

/** Results of the K42 workload against the reference model (threads own disjoint trees). */
function k42Mismatches(threads: number, ops: FsOpRecord[][]): number {
  const model = new PosixModel();
  for (const op of workloadSetupOps(threads)) model.apply(op);
  let bad = 0;
  for (const list of ops) for (const r of list) if (JSON.stringify(model.apply(r.op)) !== JSON.stringify(r.result)) bad++;
  return bad;
}

function runK42(s: Scenario): Omit<ScenarioOutcome, 'ok' | 'expectations'> {
  const cpuPerUs = new Machine({ cpus: 1, model: s.machine.model, seed: 1 }).engine.cyclesPerUs;
  const u = s.update;
  const from = s.fs.version as K42FsVersion;
  const common = {
    cpus: s.machine.cpus,
    threads: s.workload.threads,
    opsPerThread: s.workload.opsPerThread,
    seed: s.seed,
    model: s.machine.model,
    perturb: s.machine.perturb,
    ...(s.workload.mix ? { mix: s.workload.mix } : {}),
    ...(s.workload.maxFileSize ? { maxFileSize: s.workload.maxFileSize } : {}),
    ...(s.workload.maxWrite ? { maxWrite: s.workload.maxWrite } : {}),
  };
  const at = u && u.at !== 'probe' ? ('ops' in u.at ? { ops: u.at.ops } : { cycle: Math.round(u.at.us * cpuPerUs) }) : undefined;
  const r = runK42Workload({
    ...common,
    fromVersion: from,
    ...(u ? { toVersion: u.to as K42FsVersion, mode: u.mode, ...(at ? { updateAt: at } : {}) } : {}),
    trace: true,
  });
  const cpu = r.detail.cyclesPerUs;
  const wantSame = 'sameAsWithoutUpdate' in s.expect;
  let same: boolean | null = null;
  if (wantSame && u) {
    const base = runK42Workload({ ...common, fromVersion: u.to as K42FsVersion });
    same = JSON.stringify(base.results) === JSON.stringify(r.results) && JSON.stringify(base.finalTree) === JSON.stringify(r.finalTree);
  }
  const fsck = e2fsck(r.sparseImage);
  const mismatches = k42Mismatches(s.workload.threads, r.ops);
  const up = r.update;
  const metrics: Metrics = {
    updateOk: up ? up.ok : null,
    updateError: up ? (up.error ?? 'none') : null,
    maxStallUs: up ? r.longestStallCycles / cpu : null,
    callsBlocked: up ? r.callsBlocked : null,
    updateUs: up ? r.updateDurationCycles / cpu : null,
    objectsSwapped: up ? up.swaps.length : null,
    shareOfCallsThatWaited: r.shareOfCallsThatWaited,
    steadyStateUsPerCall: r.steadyStateCyclesPerCall / cpu,
    totalOps: r.totalOps,
    opsDuringUpdate: r.workDoneDuringUpdate,
    mismatches,
    allResultsMatchModel: mismatches === 0,
    sameAsWithoutUpdate: same,
    e2fsckClean: fsckMetric(fsck),
    superVersion: r.detail.superVersion,
  };
  const lines = [
    `K42 file service, ext3 v${from}${u ? ` -> v${u.to} (${u.mode})` : ''}, ${s.machine.cpus} CPUs x ${s.workload.threads} threads, seed ${s.seed}`,
    ...(up ? swapLines(up, cpu) : []),
    up ? `update ${up.ok ? 'ok' : `FAILED: ${up.error}`}: ${up.swaps.length} objects swapped in ${(r.updateDurationCycles / cpu).toFixed(1)} us` : 'no update',
    `${r.totalOps} operations, ${r.workDoneDuringUpdate} completed during the update; ${r.callsBlocked} calls blocked, longest stall ${(r.longestStallCycles / cpu).toFixed(1)} us`,
    `results ${mismatches === 0 ? 'all equal the reference model' : `${mismatches} differ from the reference model`}` +
      (same === null ? '' : `; same as a run without update: ${same}`),
    `e2fsck -fn: ${fsck === null ? `not run: e2fsck not installed (${E2FSPROGS_HINT})` : fsck.status === 0 ? 'clean' : `exit ${fsck.status}`}`,
  ];
  const calls = r.ops.flat().map((o) => ({ start: o.start / cpu, end: o.end / cpu }));
  return { name: s.name, metrics, text: lines.join('\n') + '\n', trace: r.trace!, calls, stuck: [], updateError: up && !up.ok ? (up.error ?? 'failed') : null };
}

/** The swaps of a K42 update, one line per object (inode objects beyond the first few only if a call waited). */
function swapLines(u: WorkloadUpdateSummary, cpu: number): string[] {
  const rel = (c: number): string => ((c - u.startedAt) / cpu).toFixed(1);
  const shown = u.swaps.filter((w, i) => !w.object.startsWith('ino') || i < 6 || w.blocked > 0);
  const out = [`swaps (times in us from the start of the update at ${(u.startedAt / cpu).toFixed(1)} us):`];
  for (const w of shown) out.push(`  ${w.object.padEnd(22)} ${w.phases.map((p) => `${p.phase}@${rel(p.t)}`).join(' ')}  fwd ${w.forwarded} blk ${w.blocked}`);
  if (shown.length < u.swaps.length) out.push(`  ... ${u.swaps.length - shown.length} more inode objects swapped without a waiting call`);
  return out;
}

async function runDemoScenario(s: Scenario, demoName: string, o: RunOverrides): Promise<Omit<ScenarioOutcome, 'ok' | 'expectations'>> {
  const demo = findDemo(demoName);
  if (!demo) throw new Error(`scenario ${s.name}: no programmatic demo '${demoName}'`);
  const r = await demo.run({ seed: s.seed, cpus: s.machine.cpus, threads: o.threads });
  const metrics: Metrics = { demoOk: r.ok, ...flattenSummary(r.summary) };
  return { name: s.name, metrics, text: r.text, trace: r.trace, calls: [], stuck: [], updateError: null };
}

/** What a scenario expects of its update or demo without saying so (see the header). */
export function implicitExpectations(s: Scenario): Record<string, boolean> {
  if (s.demo !== undefined) return 'demoOk' in s.expect ? {} : { demoOk: true };
  if (s.update && !('updateOk' in s.expect) && !('updateError' in s.expect)) return { updateOk: true };
  return {};
}

export async function runScenario(s: Scenario, o: RunOverrides = {}): Promise<ScenarioOutcome> {
  const base = s.demo !== undefined ? await runDemoScenario(s, s.demo, o) : s.path === 'k42' ? runK42(s) : runLinux(s);
  const expectations = checkAll({ ...implicitExpectations(s), ...s.expect }, base.metrics);
  return { ...base, expectations, ok: expectations.every((e) => e.ok) };
}
