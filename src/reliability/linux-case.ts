/**
 * Running one Linux-path fuzz case. The case *is* a `modswap shell` script
 * (bg fsstress, filler commands that decide how late the update starts,
 * `update ext3 N`, reads of what the filler wrote, `wait`) run on the
 * system `modswap shell --fs ext3` boots, by the same `runLine` loop, so
 * the replay script printed for a failure is the case itself, not an
 * approximation. What the shell cannot express (schedule perturbation, a
 * second update racing the first, an injected fault) is added around the
 * script and named in the replay's comments; the shrinker drops them first.
 *
 * Oracles, in order: every command succeeded (`wait` compares every
 * fsstress result with PosixModel; `cat` returns what `write` wrote); the
 * update report (ok, or the injected fault rolled back with one message;
 * exactly once: ranOld + ranNew = mediated; quiescence verified against the
 * engine's ground truth); the module version serving; a second update got
 * EBUSY; the final tree equals the model's; `e2fsck -fn` after unmount.
 * A run is bounded by an event budget, so a hang is a failure, not a hang.
 */
import type { Sim } from '../sim/effects.ts';
import { sleep } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import { runThread } from '../sim/run-thread.ts';
import { ext3Definition } from '../modules/ext3-releases.ts';
import type { LiveUpdate, UpdateOptions, UpdateReport, UpdateRequest } from '../modules/update/manager.ts';
import type { Task } from '../vfs/task.ts';
import { PosixModel } from '../workload/model.ts';
import type { BgOpLog } from '../shell/update-cmds.ts';
import { buildSystem } from '../system/build.ts';
import { runLine, stripLine, type ShellContext, type ShellResult } from '../shell/index.ts';
import type { LinuxCase } from './case.ts';
import { e2fsck, fsckLine } from '../ext2/e2fsprogs.ts';
import { kernelTree, modelTree, treeDiff } from './tree.ts';

/** Events one case may take before it counts as a hang. */
export const CASE_EVENT_BUDGET = 20_000_000;
export const PERTURB = { preemptProbability: 0.03, maxDelayCycles: 2000 };
const DIR = '/fz';

export interface CaseOutcome {
  ok: boolean;
  /** First broken oracle, one line. */
  failure: string | null;
  /** What the update did, one line (for the report). */
  update: string;
  /** Fault injected (and so expected to roll back), if any. */
  faultInjected: string | null;
  secondUpdate: 'ebusy' | 'missed' | null;
  ops: number;
  fsck: number | null;
}

/** The shell script of a case (exactly what `modswap shell` runs to replay it). */
export function linuxScript(c: LinuxCase): string {
  const lines = [`bg fsstress --threads ${c.threads} --ops ${c.ops} --dir ${DIR}`];
  const files: string[] = [];
  if (c.filler > 0) lines.push(`mkdir ${DIR}/sh`);
  for (let k = 1; k < c.filler; k++) {
    if (k % 2 === 1) {
      files.push(`${DIR}/sh/f${k}`);
      lines.push(`write ${DIR}/sh/f${k} ${fillText(k)}`);
    } else lines.push(`cat ${files[files.length - 1]!}`);
  }
  lines.push(`update ext3 ${c.to}${c.to < c.from ? ' --allow-downgrade' : ''}`);
  for (const f of files) lines.push(`cat ${f}`);
  lines.push('wait');
  return lines.join('\n') + '\n';
}

/** The command line that replays a case's script. */
export function linuxReplayCommand(c: LinuxCase): string {
  return `modswap shell --fs ext3 --ext3-version ${c.from} --seed ${c.seed} --cpus ${c.cpus} --quiescence ${c.strategy} --script case.sh`;
}

function fillText(k: number): string {
  return `fuzz-${k}-${'x'.repeat(k * 37)}`;
}

export function runLinuxCase(c: LinuxCase): CaseOutcome {
  const out: CaseOutcome = { ok: false, failure: null, update: 'not run', faultInjected: null, secondUpdate: null, ops: 0, fsck: null };
  const fail = (why: string): CaseOutcome => ({ ...out, ok: false, failure: why });
  const b = buildSystem({ cpus: c.cpus, seed: c.seed, fs: 'ext3', ext3Version: c.from, strategy: c.strategy, perturb: c.perturb ? PERTURB : null });
  const e = b.machine.engine;
  const live = b.live;
  if (c.fault) wrapWithFault(live, c.fault, (p) => (out.faultInjected = p));
  // the shell, exactly as `modswap shell` runs a script (runScript), but with an event budget
  const task = b.system.newTask({ name: 'sh' });
  const state = new Map<string, unknown>();
  const ctx: ShellContext = { system: b.system, task, state };
  const results: ShellResult[] = [];
  const script = linuxScript(c);
  e.spawn('sh', function* (): Sim<void> {
    for (const raw of script.split('\n')) {
      const cmd = stripLine(raw);
      if (cmd !== '') results.push(yield* runLine(ctx, cmd));
    }
  });
  let second: UpdateReport | null = null;
  if (c.second) {
    const t2 = b.system.newTask({ name: 'updater2' });
    e.spawn('updater2', function* (): Sim<void> {
      const st = live.statusOf('ext3');
      while (st.transition === 0 && st.last === undefined) yield* sleep(Math.round(10 * e.cyclesPerUs));
      if (st.transition === 0) return; // the first update was over before this thread looked
      second = yield* live.update(t2, { module: 'ext3', def: ext3Definition(c.to), source: 'fuzz second update' }, { allowDowngrade: true });
    });
  }
  try {
    const r = e.run({ maxEvents: CASE_EVENT_BUDGET });
    if (r.reason !== 'idle') return fail(`hang: the run did not finish within ${CASE_EVENT_BUDGET} events`);
  } catch (err) {
    return fail(`the simulation threw: ${oneLine(err)}`);
  } finally {
    if (out.failure === null) {
      /* fall through to the checks below */
    }
  }
  const report = live.statusOf('ext3').last;
  out.update = report ? (report.ok ? `ok ${report.from}->${report.to}` : `rolled back: ${report.error?.code} in ${report.error?.phase}`) : 'no report';
  const jobs = (state.get('bg.jobs') as { logs: BgOpLog[][] }[] | undefined) ?? [];
  out.ops = jobs.reduce((n, j) => n + j.logs.reduce((m, l) => m + l.length, 0), 0);
  // 1. every command: the update's only as expected, all others succeed
  const want = new Map<string, string>();
  for (const line of script.split('\n')) {
    const m = /^write (\S+) (.*)$/.exec(line);
    if (m) want.set(m[1]!, m[2]!);
  }
  for (const r of results) {
    if (r.cmd.startsWith('update ')) {
      if (c.fault) {
        if (r.ok) return fail(`update succeeded although a fault was injected at ${c.fault}`);
        if (!/^error: [A-Z]+ update ext3: .+\(in [a-z]+: (nothing changed|rolled back); ext3 \d still serving\)$/.test(r.out) || r.out.includes('\n')) return fail(`unclear update error: ${r.out}`);
      } else if (!r.ok) return fail(`${r.cmd}: ${r.out}`);
      continue;
    }
    if (!r.ok) return fail(`${r.cmd}: ${r.out}`);
    const cat = /^cat (\S+)$/.exec(r.cmd);
    if (cat && r.out !== want.get(cat[1]!)) return fail(`${r.cmd}: read back ${r.out.length} bytes, not what was written`);
  }
  // 2. the report
  if (!report) return fail('no update report');
  const s = report.stats;
  if (s.ranOld + s.ranNew !== s.mediated) return fail(`exactly once broken: ranOld ${s.ranOld} + ranNew ${s.ranNew} != mediated ${s.mediated}`);
  if (s.killedWhileBlocked !== 0) return fail(`${s.killedWhileBlocked} call(s) killed while blocked, none were killed`);
  if (report.quiescenceVerified === false) return fail('quiescence not real: a thread was inside the old module when transfer began');
  const version = b.system.modules.get('ext3')?.version;
  if (c.fault) {
    if (report.ok) return fail('report ok despite the fault');
    if (s.ranNew !== 0) return fail(`rolled back but ${s.ranNew} call(s) ran in the new module`);
    if (version !== String(c.from)) return fail(`after rollback ext3 ${version} serves, not ${c.from}`);
  } else {
    if (!report.ok) return fail(`update failed: ${report.error?.code} ${report.error?.message}`);
    if (report.quiescenceVerified !== true) return fail('quiescence not verified');
    if (version !== String(c.to)) return fail(`ext3 ${version} serves after the update, not ${c.to}`);
  }
  // 3. the racing second update
  if (c.second) {
    const r2 = second as UpdateReport | null;
    if (r2 === null) out.secondUpdate = 'missed';
    else if (r2.ok || r2.error?.code !== 'EBUSY') return fail(`second update during the first: ${r2.ok ? 'succeeded' : r2.error?.code}, expected EBUSY`);
    else out.secondUpdate = 'ebusy';
  }
  // 4. nothing lost: the final tree equals the model's
  const model = new PosixModel();
  for (const job of jobs) {
    job.logs.forEach((log, i) => {
      model.mkdirp(`${DIR}/p${i}`);
      for (const { op, release } of log) model.apply(op, release === undefined ? {} : { release });
    });
  }
  let got: string[];
  try {
    got = runThread(e, 'fuzz-walk', () => kernelTree(task as Task, DIR));
  } catch (err) {
    return fail(`walking ${DIR} after the run: ${oneLine(err)}`);
  }
  const wantTree = modelTree(model, DIR).filter((l) => !l.startsWith(`${DIR}/sh`));
  const diff = treeDiff(wantTree, got.filter((l) => !l.startsWith(`${DIR}/sh`)));
  if (diff) return fail(`final tree differs from the model: ${diff}`);
  // 5. e2fsck -fn after unmount
  try {
    b.shutdown();
  } catch (err) {
    return fail(`unmount failed: ${oneLine(err)}`);
  }
  const fsck = e2fsck(b.disk!.sparseImage());
  out.fsck = fsck?.status ?? null;
  // Release 1's rename bug leaves directory link counts wrong: e2fsck must
  // report exactly the ones the model predicts, and nothing else.
  const wrong = model.wrongDirLinks().map((w) => `${w.nlink}->${w.should}`).sort();
  if (fsck && wrong.length > 0) {
    const seen = refCountProblems(fsck.out);
    if (fsck.status !== 4 || JSON.stringify(seen) !== JSON.stringify(wrong)) {
      return fail(`e2fsck should report release 1's link counts ${wrong.join(', ')} only; it says ${seen.join(', ') || 'none'} (${fsckLine(fsck)})`);
    }
  } else if (fsck && fsck.status !== 0) return fail(fsckLine(fsck));
  return { ...out, ok: true };
}

/** Make every update on `live` throw at `point` (a fault plan the shell cannot express). */
export function wrapWithFault(live: LiveUpdate, point: string, seen: (p: string) => void): void {
  const orig = live.update.bind(live);
  live.update = function* (task: Task, req: UpdateRequest, opts: UpdateOptions = {}): Sim<UpdateReport> {
    return yield* orig(task, req, {
      ...opts,
      inject(p) {
        opts.inject?.(p);
        if (p === point) {
          seen(p);
          throw errno('EIO', `fault injected at ${p} by modswap fuzz`);
        }
      },
    });
  };
}

/** e2fsck's "Inode N ref count is X, should be Y" problems, as sorted "X->Y". */
export function refCountProblems(out: string): string[] {
  return [...out.matchAll(/Inode \d+ ref count is (\d+), should be (\d+)/g)].map((m) => `${m[1]}->${m[2]}`).sort();
}

export function oneLine(e: unknown): string {
  const m = e instanceof Error ? `${e.name === 'Error' ? '' : e.name + ': '}${e.message}` : String(e);
  return m.split('\n')[0]!;
}
