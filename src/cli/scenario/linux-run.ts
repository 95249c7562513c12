/**
 * A Linux-path scenario run (the engine under `modswap run` and `modswap
 * demo` for scenarios on the linux path): boot a system (src/system/build.ts),
 * run an fsstress workload on several threads, optionally a scripted probe
 * thread, and a live update of a module at a given time; then check every
 * result against the reference model, unmount, run e2fsck, and describe
 * what happened as a timeline of the update's phases and a summary.
 *
 * Time reference: booting (mkfs or reading the image, mounting the root
 * file system) takes simulated time, about 2.2 ms for a fresh 32 MiB ext3
 * image. The workload, the probe and the updater thread all start when boot
 * is done, and `atUs` counts from that instant (the timeline prints it as
 * "boot done"). The updater wakes at boot + atUs; its `check` phase begins
 * when it next gets its CPU, which the workload threads pinned there may
 * delay by a few µs.
 */
import { sleep, type Sim } from '../../sim/effects.ts';
import { Prng } from '../../sim/prng.ts';
import { toChromeTrace, type ChromeTrace } from '../../sim/export-chrome.ts';
import * as sys from '../../vfs/syscalls.ts';
import type { Task } from '../../vfs/task.ts';
import { runFsOp } from '../../workload/linux-ops.ts';
import type { ModuleDefinition } from '../../modules/core/module.ts';
import type { Manifest } from '../../modules/update/manifest.ts';
import type { ErrnoError } from '../../uapi/errno.ts';
import type { UpdateOptions, UpdateReport } from '../../modules/update/manager.ts';
import { describeReport } from '../../modules/update/sysfs.ts';
import { e2fsck } from '../../ext2/e2fsprogs.ts';
import { FsStress, type FsOp, type FsOpKind, type OpResult } from '../../workload/fsstress.ts';
import { PosixModel } from '../../workload/model.ts';
import { buildSystem, type BuiltSystem, type SystemSpec } from '../../system/build.ts';

export interface WorkloadSpec {
  threads: number;
  ops: number;
  mix?: Partial<Record<FsOpKind, number>>;
  maxFileSize?: number;
  maxWrite?: number;
}

export interface UpdateSpec {
  module: string;
  def: ModuleDefinition;
  source: string;
  /** The verified manifest, when the code comes from a package. */
  manifest?: Manifest;
  /** Why the package could not be loaded (the update fails in `check`). */
  packageError?: ErrnoError;
  /** Start the update this many µs of simulated time after boot is done (when the workload starts), or when the probe says so. */
  atUs: number | 'probe';
  opts?: UpdateOptions;
}

export interface LinuxRunSpec {
  system: SystemSpec;
  workload: WorkloadSpec;
  update?: UpdateSpec;
  /** A scripted thread (runs beside the workload); `log` lines go in the timeline. */
  probe?: (ctx: ProbeContext) => Sim<void>;
  /** Called on the booted system before anything runs (e.g. to arm a disk fault). */
  setup?: (b: BuiltSystem) => void;
}

export interface ProbeContext {
  b: BuiltSystem;
  task: Task;
  log(text: string): void;
  /** Wait until the update has finished (or failed). */
  updateDone(): Sim<void>;
  /** Let an update with `atUs: 'probe'` begin. */
  startUpdate(): void;
}

export interface OpLog {
  op: FsOp;
  result: OpResult;
  start: number;
  end: number;
}

export interface LinuxRun {
  b: BuiltSystem;
  report: UpdateReport | null;
  logs: OpLog[][];
  /** Lines from the probe, with their simulated times (cycles). */
  notes: { t: number; text: string }[];
  mismatches: string[];
  fsck: { status: number; out: string } | null;
  trace: ChromeTrace;
  /** Operations that completed while the update ran. */
  opsDuringUpdate: number;
  totalOps: number;
}

export function runLinuxSystem(spec: LinuxRunSpec): LinuxRun {
  const b = buildSystem({ ...spec.system, trace: spec.system.trace ?? true });
  const e = b.machine.engine;
  spec.setup?.(b);
  const logs: OpLog[][] = [];
  const notes: { t: number; text: string }[] = [];
  let report: UpdateReport | null = null;
  let updateFinished = false;
  let updateReleased = false;
  const doneWq = e.waitQueue('update done');
  const goWq = e.waitQueue('update go');
  const rng = new Prng(spec.system.seed);
  const u0 = spec.update;
  notes.push({
    t: e.now,
    text:
      `boot done: ${spec.workload.threads} workload thread(s) start` +
      (u0 && u0.atUs !== 'probe' ? `; the update is due ${u0.atUs} us from now, at ${(e.now / e.cyclesPerUs + u0.atUs).toFixed(1)} us` : ''),
  });
  if (spec.probe) {
    const task = b.system.newTask({ name: 'probe' });
    const probe = spec.probe;
    e.spawn('probe', function* (): Sim<void> {
      yield* probe({
        b,
        task,
        log: (text) => notes.push({ t: e.now, text }),
        *updateDone() {
          while (!updateFinished) yield { kind: 'block', wq: doneWq };
        },
        startUpdate() {
          updateReleased = true;
          goWq.wakeAll();
        },
      });
    });
  }
  const w = spec.workload;
  for (let i = 0; i < w.threads; i++) {
    const log: OpLog[] = [];
    logs.push(log);
    const gen = new FsStress(rng.fork(), {
      root: `/w${i}`,
      ...(w.mix ? { mix: w.mix } : {}),
      maxFileSize: w.maxFileSize ?? 64 * 1024,
      maxWrite: w.maxWrite ?? 8 * 1024,
    });
    const task = b.system.newTask({ name: `w${i}` });
    e.spawn(`worker-${i}`, function* (): Sim<void> {
      yield* sys.mkdir(task, `/w${i}`, 0o755);
      for (let k = 0; k < w.ops; k++) {
        const op = gen.next();
        const start = e.now;
        const result = yield* runFsOp(task, op);
        gen.observe(op, result);
        log.push({ op, result, start, end: e.now });
      }
    });
  }
  if (spec.update) {
    const u = spec.update;
    const task = b.system.newTask({ name: 'updater' });
    e.spawn('updater', function* (): Sim<void> {
      if (u.atUs === 'probe') {
        while (!updateReleased) yield { kind: 'block', wq: goWq };
      } else {
        yield* sleep(Math.round(u.atUs * e.cyclesPerUs));
      }
      const req = { module: u.module, def: u.def, source: u.source, ...(u.manifest ? { manifest: u.manifest } : {}), ...(u.packageError ? { packageError: u.packageError } : {}) };
      report = yield* b.live.update(task, req, u.opts);
      updateFinished = true;
      doneWq.wakeAll();
    });
  } else {
    updateFinished = true;
  }
  e.run();
  const endTime = e.makespan;
  b.shutdown();
  const mismatches = checkLogs(logs);
  const fsck = b.disk ? e2fsck(b.disk.sparseImage()) : null;
  const r = report as UpdateReport | null;
  let during = 0;
  let total = 0;
  if (r) {
    const from = r.phases[0]?.start ?? 0;
    const to = r.phases[r.phases.length - 1]?.end ?? 0;
    for (const l of logs) for (const o of l) if (o.end >= from && o.end <= to) during++;
  }
  for (const l of logs) total += l.length;
  const trace = toChromeTrace(e.trace!, { cyclesPerUs: e.cyclesPerUs, cpus: b.machine.cpus, endTime });
  return { b, report: r, logs, notes, mismatches, fsck, trace, opsDuringUpdate: during, totalOps: total };
}

/** Every result equals the reference model's (each worker owns its tree). */
export function checkLogs(logs: OpLog[][]): string[] {
  const model = new PosixModel();
  const bad: string[] = [];
  logs.forEach((log, i) => {
    model.mkdirp(`/w${i}`);
    for (const o of log) {
      const want = model.apply(o.op);
      if (JSON.stringify(want) !== JSON.stringify(o.result)) bad.push(`w${i} ${o.op.kind}: got ${JSON.stringify(o.result)}, expected ${JSON.stringify(want)}`);
    }
  });
  return bad;
}


/** The readable part: phases with simulated times, probe notes, and a summary. */
export function describeRun(run: LinuxRun): string {
  const e = run.b.machine.engine;
  const us = (c: number): string => (c / e.cyclesPerUs).toFixed(1).padStart(10);
  const lines: string[] = [];
  const events: { t: number; text: string }[] = [...run.notes];
  const r = run.report;
  if (r) {
    for (const p of r.phases) events.push({ t: p.start, text: `update ${r.module}: ${p.name.padEnd(9)} (${((p.end - p.start) / e.cyclesPerUs).toFixed(1)} us)` });
  }
  events.sort((a, b) => a.t - b.t);
  lines.push('timeline (simulated time):');
  for (const ev of events) lines.push(`${us(ev.t)} us  ${ev.text}`);
  lines.push('');
  lines.push('summary:');
  if (r) {
    lines.push(`  update           ${describeReport(r, e.cyclesPerUs)}`);
    lines.push(`  calls mediated   ${r.stats.mediated} (blocked ${r.stats.blocked}, passed: recursive ${r.stats.passedRecursive}, interrupt ${r.stats.passedInterrupt}, lock holder ${r.stats.passedLockHolder})`);
    lines.push(`  longest stall    ${(r.longestStallCycles / e.cyclesPerUs).toFixed(1)} us`);
    lines.push(`  update duration  ${(r.durationCycles / e.cyclesPerUs).toFixed(1)} us (block window ${(r.blockWindowCycles / e.cyclesPerUs).toFixed(1)} us)`);
    lines.push(`  quiescence       ${r.quiescenceVerified === null ? 'not reached' : r.quiescenceVerified ? 'verified against the engine ground truth' : 'NOT real'}`);
    if (r.lazy) {
      const z = r.lazy;
      const drained = z.drainedAt === null ? 'the drain did not finish' : `drain finished at ${(z.drainedAt / e.cyclesPerUs).toFixed(1)} us (${(z.drainCycles! / e.cyclesPerUs).toFixed(1)} us after release)`;
      lines.push(
        `  lazy hand-over   ${z.handedOver} cached inodes handed over as one table: ${z.convertedOnUse} converted on use, ${z.convertedByPass} by the background pass, ${z.dropped} dropped; ` +
          `old export hook ran ${z.oldExportCalls} times after quiescence (data only); ${drained}`,
      );
    }
    if (r.stuck.length > 0) lines.push(`  stuck threads    ${r.stuck.map((s) => `t${s.tid} ${s.name} in ${s.fn}`).join(', ')}`);
  }
  lines.push(`  work             ${run.totalOps} operations by ${run.logs.length} threads, ${run.opsDuringUpdate} completed during the update`);
  lines.push(`  results          ${run.mismatches.length === 0 ? 'every result equals the reference model' : `${run.mismatches.length} result(s) differ from the model, e.g. ${run.mismatches[0]}`}`);
  if (run.b.disk) {
    lines.push(`  e2fsck -fn       ${run.fsck === null ? 'not run: e2fsck not installed (apt-get install -y e2fsprogs)' : run.fsck.status === 0 ? 'clean (exit 0)' : `exit ${run.fsck.status}`}`);
  }
  lines.push(`  modules          ${run.b.system.modules.lsmod().trim().split('\n').slice(1).join('; ')}`);
  return lines.join('\n') + '\n';
}

export function runSummary(run: LinuxRun): Record<string, unknown> {
  const r = run.report;
  const e = run.b.machine.engine;
  return {
    update: r
      ? {
          ok: r.ok,
          from: r.from,
          to: r.to,
          strategy: r.strategy,
          error: r.error ?? null,
          phases: r.phases.map((p) => ({ name: p.name, startUs: p.start / e.cyclesPerUs, endUs: p.end / e.cyclesPerUs })),
          callsBlocked: r.stats.blocked,
          longestStallUs: r.longestStallCycles / e.cyclesPerUs,
          durationUs: r.durationCycles / e.cyclesPerUs,
          quiescenceVerified: r.quiescenceVerified,
          stuck: r.stuck,
          lazy: r.lazy ? { ...r.lazy, drainedAtUs: r.lazy.drainedAt === null ? null : r.lazy.drainedAt / e.cyclesPerUs } : null,
        }
      : null,
    notes: run.notes.map((n) => ({ us: n.t / e.cyclesPerUs, text: n.text })),
    totalOps: run.totalOps,
    opsDuringUpdate: run.opsDuringUpdate,
    mismatches: run.mismatches.length,
    e2fsck: run.fsck?.status ?? null,
    modules: [...run.b.system.modules.loaded.values()].map((m) => `${m.name}@${m.version}`),
  };
}
