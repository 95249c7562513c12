/**
 * Shell commands for live update: `update`, `bg`, `wait`, `status`.
 *
 *   update MODULE PACKAGE-or-VERSION [--quiescence S] [--timeout-us N] [--tries N] [--allow-downgrade]
 *       A version number picks a built-in release (ext3 1, 2, 3); anything
 *       else is a package directory loaded and verified before the script
 *       runs. Prints the update's phases and outcome; a failure is one line
 *       `error: ERRNO update MODULE: cause`.
 *   bg fsstress --threads N --ops M --dir PATH
 *       Start N threads of fsstress in PATH/p0..p(N-1), beside the script.
 *   wait
 *       Wait for the background threads; print what they did and whether
 *       every result matched the reference model.
 *   status
 *       Each loaded module's version and update state (as /sys/module shows).
 */
import type { Sim } from '../sim/effects.ts';
import { ErrnoError, errno } from '../uapi/errno.ts';
import { Prng } from '../sim/prng.ts';
import type { SimThread } from '../sim/thread.ts';
import * as sys from '../vfs/syscalls.ts';
import { runFsOp } from '../workload/linux-ops.ts';
import type { ModuleDefinition } from '../modules/core/module.ts';
import { ext3Definition, EXT3_VERSIONS } from '../modules/ext3-releases.ts';
import type { LoadedPackage } from '../modules/update/load.ts';
import { describeReport } from '../modules/update/sysfs.ts';
import { ServedBy } from '../modules/update/served-by.ts';
import { QUIESCENCE_STRATEGIES, type QuiescenceStrategy } from '../modules/update/usecount.ts';
import type { UpdateOptions } from '../modules/update/manager.ts';
import { FsStress, type FsOp, type OpResult } from '../workload/fsstress.ts';
import { PosixModel } from '../workload/model.ts';
import { ShellUsageError, type ShellContext } from './session.ts';
import { registerShellCommand } from './table.ts';

/** Packages loaded before the script ran, by the argument that named them. */
export const PACKAGES_KEY = 'update.packages';
const BG_KEY = 'bg.jobs';

/** One fsstress op as run: with the ext3 release whose rename served it (the model needs it: release 1's bug). */
export interface BgOpLog {
  op: FsOp;
  result: OpResult;
  release?: number;
}

interface BgJob {
  dir: string;
  threads: SimThread[];
  logs: BgOpLog[][];
  reported: boolean;
}

/** Built-in releases a version number can name. */
function builtin(module: string, version: string): ModuleDefinition | undefined {
  if (module === 'ext3' && EXT3_VERSIONS.includes(version as never)) return ext3Definition(version);
  return undefined;
}

/** Options after the two positional words: --flag value pairs. */
function parseOptions(words: readonly string[]): UpdateOptions {
  const o: UpdateOptions = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const val = (): string => {
      const v = words[++i];
      if (v === undefined) throw new ShellUsageError();
      return v;
    };
    const num = (): number => {
      const n = Number(val());
      if (!Number.isFinite(n) || n <= 0) throw new ShellUsageError();
      return n;
    };
    if (w === '--quiescence') {
      const s = val();
      if (!(QUIESCENCE_STRATEGIES as readonly string[]).includes(s)) throw new ShellUsageError();
      o.quiescence = s as QuiescenceStrategy;
    } else if (w === '--timeout-us') o.timeoutUs = num();
    else if (w === '--tries') o.tries = Math.floor(num());
    else if (w === '--allow-downgrade') o.allowDowngrade = true;
    else throw new ShellUsageError();
  }
  return o;
}

registerShellCommand({
  name: 'update',
  usage: 'update MODULE PACKAGE|VERSION [--quiescence S] [--timeout-us N] [--tries N] [--allow-downgrade]',
  summary: 'live-update a loaded module to a package or a built-in version',
  words: 9,
  minArgs: 2,
  detailedErrors: true,
  *run(ctx: ShellContext, args: readonly string[]): Sim<string> {
    const [module, what, ...rest] = args as [string, string, ...string[]];
    const live = ctx.system.live;
    if (!live) throw new ErrnoError('ENOSYS', 'update', module, 'this system was booted without live update');
    const opts = parseOptions(rest);
    let req;
    if (/^\d+$/.test(what)) {
      const def = builtin(module, what);
      if (!def) throw new ErrnoError('ENOENT', 'update', module, `no built-in ${module} release ${what}`);
      req = { module, def, source: `built-in ${module} ${what}` };
    } else {
      const loaded = (ctx.state.get(PACKAGES_KEY) as Map<string, LoadedPackage> | undefined)?.get(what);
      if (!loaded) throw new ErrnoError('ENOENT', 'update', what, 'package was not loaded before the script ran');
      if (!loaded.ok) throw loaded.error;
      req = { module, def: loaded.def, source: what, manifest: loaded.manifest };
    }
    const r = yield* live.update(ctx.task, req, opts);
    const us = (c: number): string => (c / ctx.system.engine.cyclesPerUs).toFixed(1);
    if (!r.ok) {
      const what = r.error!.phase === 'check' ? 'nothing changed' : 'rolled back';
      throw new ErrnoError(r.error!.code, 'update', module, `${r.error!.message} (in ${r.error!.phase}: ${what}; ${module} ${r.from} still serving)`);
    }
    const phases = r.phases.map((p) => `${p.name} ${us(p.end - p.start)}us`).join(', ');
    return `${describeReport(r, ctx.system.engine.cyclesPerUs)}\nphases: ${phases}`;
  },
});

registerShellCommand({
  name: 'bg',
  usage: 'bg fsstress --threads N --ops M --dir PATH',
  summary: 'start fsstress threads in the background',
  words: 7,
  minArgs: 7,
  *run(ctx: ShellContext, args: readonly string[]): Sim<string> {
    if (args[0] !== 'fsstress') throw new ShellUsageError();
    const opt = new Map<string, string>();
    for (let i = 1; i + 1 < args.length; i += 2) opt.set(args[i]!, args[i + 1]!);
    const threads = Number(opt.get('--threads'));
    const ops = Number(opt.get('--ops'));
    const dir = opt.get('--dir');
    if (!Number.isInteger(threads) || threads < 1 || threads > 1024 || !Number.isInteger(ops) || ops < 1 || !dir || !dir.startsWith('/')) throw new ShellUsageError();
    const e = ctx.system.engine;
    const jobs = (ctx.state.get(BG_KEY) as BgJob[] | undefined) ?? [];
    ctx.state.set(BG_KEY, jobs);
    const job: BgJob = { dir: dir.replace(/\/+$/, ''), threads: [], logs: [], reported: false };
    try {
      yield* sys.mkdir(ctx.task, job.dir, 0o755);
    } catch (err) {
      if (!(err instanceof ErrnoError && err.code === 'EEXIST')) throw err;
    }
    jobs.push(job);
    const rng = new Prng(e.rng.nextU32());
    const served = new ServedBy(e, 'ext3', 'rename');
    for (let i = 0; i < threads; i++) {
      const root = `${job.dir}/p${i}`;
      yield* sys.mkdir(ctx.task, root, 0o755);
      const log: BgOpLog[] = [];
      job.logs.push(log);
      const gen = new FsStress(rng.fork(), { root, maxFileSize: 64 * 1024, maxWrite: 8 * 1024 });
      const task = ctx.system.newTask({ name: `fsstress-${i}` });
      job.threads.push(
        e.spawn(`fsstress-${i}`, function* (): Sim<void> {
          const me = e.current!;
          for (let k = 0; k < ops; k++) {
            const op = gen.next();
            served.begin(me);
            const result = yield* runFsOp(task, op);
            gen.observe(op, result);
            const release = served.release(me);
            log.push(release === undefined ? { op, result } : { op, result, release });
          }
        }),
      );
    }
    return `started ${threads} fsstress thread(s) in ${job.dir}, ${ops} ops each`;
  },
});

registerShellCommand({
  name: 'wait',
  usage: 'wait',
  summary: 'wait for the background threads and report them',
  words: 0,
  minArgs: 0,
  *run(ctx: ShellContext): Sim<string> {
    const jobs = ((ctx.state.get(BG_KEY) as BgJob[] | undefined) ?? []).filter((j) => !j.reported);
    if (jobs.length === 0) return 'no background jobs';
    const out: string[] = [];
    for (const job of jobs) {
      for (const t of job.threads) yield* ctx.system.engine.join(t);
      job.reported = true;
      const model = new PosixModel();
      let okCount = 0;
      let mismatches = 0;
      const errs = new Map<string, number>();
      job.logs.forEach((log, i) => {
        model.mkdirp(`${job.dir}/p${i}`);
        for (const { op, result, release } of log) {
          if (result.ok) okCount++;
          else errs.set(result.errno, (errs.get(result.errno) ?? 0) + 1);
          if (JSON.stringify(model.apply(op, release === undefined ? {} : { release })) !== JSON.stringify(result)) mismatches++;
        }
      });
      const total = job.logs.reduce((s, l) => s + l.length, 0);
      const errText = [...errs.entries()].sort().map(([k, v]) => `${k} ${v}`).join(', ');
      out.push(
        `fsstress in ${job.dir}: ${job.threads.length} thread(s), ${total} ops, ${okCount} ok, ${total - okCount} failed as the model expects${errText ? ` (${errText})` : ''}; ` +
          (mismatches === 0 ? 'every result matches the reference model' : `${mismatches} result(s) differ from the reference model`),
      );
      if (mismatches > 0) throw errno('EIO', `${mismatches} fsstress result(s) differ from the reference model`);
    }
    return out.join('\n');
  },
});

registerShellCommand({
  name: 'status',
  usage: 'status',
  summary: "each loaded module's version and live-update state",
  words: 0,
  minArgs: 0,
  *run(ctx: ShellContext): Sim<string> {
    const live = ctx.system.live;
    const lines: string[] = [];
    for (const m of ctx.system.modules.loaded.values()) {
      const st = live?.statusOf(m.name);
      let line = `${m.name} version=${m.version} refcount=${m.refcnt}`;
      if (st) line += ` update=${st.state} phase=${st.phase} transition=${st.transition}`;
      lines.push(line);
      if (st?.last) lines.push(`  last: ${describeReport(st.last, ctx.system.engine.cyclesPerUs)}`);
    }
    yield 0;
    return lines.join('\n');
  },
});
