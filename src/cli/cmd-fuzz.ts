/**
 * `modswap fuzz`: property-based differential testing of live update
 * (src/reliability). Seeds S..S+N-1, each a random case on the Linux path
 * (strategies counter-shared, counter-percpu, stack-walk) or the K42 path
 * (eager, lazy), every result checked against PosixModel plus exactly-once,
 * the quiescence oracle and e2fsck; a failure is shrunk and printed as its
 * seed and a `modswap shell` script that replays it.
 *
 * --jobs N splits the range across N workers (disjoint seed ranges, one
 * child process per 1,000 seeds, summaries merged: the result does not
 * depend on N). --time-budget stops
 * starting new seeds after that many wall-clock seconds and says how many
 * ran (the only use of wall time, here in the CLI, never in a case).
 * The progress bar goes to stderr only when it is a terminal.
 * Exit: 0 no failure, 1 failures, 2 bad flags.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { UsageError, flagHelp, parseFlags, type FlagSpecs } from './args.ts';
import type { CliIO, Command } from './command.ts';
import { checkOutputFile } from './output-path.ts';
import { endJob, sweepInWorkers, workerLoop, WORKER_SEEDS } from './fuzz-pool.ts';
import { createProgress } from './progress.ts';
import type { FuzzPath } from '../reliability/case.ts';
import { emptySummary, runSeed, type SweepSummary } from '../reliability/sweep.ts';
import { reliabilityMarkdown } from '../reliability/report.ts';
import { SHARD_FORMAT, ShardError, mergeShards, parseShardSpec, readShard, shardRange, type RunHost, type ShardFile } from '../reliability/shard.ts';

const FLAGS = {
  seeds: { kind: 'int', help: 'number of seeds in the sweep', default: 100, min: 1, max: 100_000_000, arg: 'N' },
  start: { kind: 'int', help: 'first seed', default: 0, min: 0, max: 2 ** 31, arg: 'S' },
  paths: { kind: 'string', help: 'paths to fuzz, comma-separated: linux, k42', default: 'linux,k42', arg: 'LIST' },
  shard: { kind: 'string', help: 'run only shard K of N (disjoint contiguous seed ranges, K from 0)', arg: 'K/N' },
  json: { kind: 'string', help: 'write the summary as JSON to FILE (- for stdout); with --shard, the shard file for `fuzz merge`', arg: 'FILE' },
  report: { kind: 'string', help: 'write the summary as Markdown to FILE (RELIABILITY.md)', arg: 'FILE' },
  jobs: { kind: 'int', help: 'split the seeds across N processes', default: 1, min: 1, max: 64, arg: 'N' },
  'time-budget': { kind: 'int', help: 'stop starting seeds after this many seconds of wall time (0: none)', default: 0, min: 0, max: 10_000_000, arg: 'SEC' },
} satisfies FlagSpecs;

const MERGE_FLAGS = {
  report: { kind: 'string', help: 'write the merged sweep as Markdown to FILE', default: 'RELIABILITY.md', arg: 'FILE' },
  json: { kind: 'string', help: 'also write the merged summary as JSON to FILE (- for stdout)', arg: 'FILE' },
} satisfies FlagSpecs;

function parsePaths(text: string): FuzzPath[] {
  const ps = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (ps.length === 0 || ps.some((p) => p !== 'linux' && p !== 'k42')) throw new UsageError(`fuzz: --paths takes linux, k42 or both (comma-separated), not '${text.replace(/\n/g, '\\n')}'`);
  return [...new Set(ps)] as FuzzPath[];
}

/** Run [start, start+n) in this process (a job ends after each seed: fuzz-pool.ts endJob). */
async function sweepHere(start: number, n: number, paths: FuzzPath[], budgetS: number, onSeed: (done: number) => void): Promise<SweepSummary> {
  const s = emptySummary(start);
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    if (budgetS > 0 && (Date.now() - t0) / 1000 > budgetS) return s;
    runSeed(start + i, paths, s);
    s.ranges = [[start, i + 1]];
    onSeed(i + 1);
    await endJob();
  }
  return s;
}

function writeOut(io: CliIO, file: string, text: string, what: string): void {
  if (file === '-') return io.out(text);
  try {
    writeFileSync(file, text.endsWith('\n') ? text : text + '\n');
  } catch (e) {
    throw new UsageError(`fuzz: cannot write ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

type HostMeta = { cpus: number; loadMin: number; loadMax: number; cpuSeconds: number };

function printSummary(io: CliIO, s: SweepSummary, what: string, wallS: number, host: HostMeta | null): void {
  const machine = host && s.seeds > 0 ? `; ${host.cpus} CPUs, load ${host.loadMin.toFixed(1)}-${host.loadMax.toFixed(1)}, ${((1000 * host.cpuSeconds) / s.seeds).toFixed(0)} ms CPU a seed` : '';
  const rate = wallS > 0 ? ` (${wallS.toFixed(1)} s, ${(s.seeds / wallS).toFixed(1)} seeds/s${machine})` : '';
  io.out(`fuzz: ${s.seeds} seed(s) ${what}, ${s.ops} operations checked, ${s.updatesOk} updates, ${s.rolledBack} rollbacks, ${s.failures.length} failure(s)${rate}`);
  io.out(`hostile: ${s.hostile.manifests} manifests, ${s.hostile.scenarios} scenarios, ${s.hostile.images} images walked, ${s.hostile.writes} damaged images written to, ${s.hostile.violations.length} violation(s)`);
  for (const v of s.hostile.violations) io.out(`  ${v}`);
  for (const f of s.failures) io.out(`\nFAIL ${f.original}\n  ${f.failure}\n  shrunk: ${f.shrunkDescription}\n${f.replay}`);
}

const exitFor = (s: SweepSummary): number => (s.failures.length === 0 && s.hostile.violations.length === 0 ? 0 : 1);

/** `modswap fuzz merge SHARD.json...`: join a sharded sweep into RELIABILITY.md. */
function runMerge(argv: string[], io: CliIO): number {
  const { flags, positional } = parseFlags('fuzz merge', argv, MERGE_FLAGS);
  if (positional.length === 0) throw new UsageError('fuzz merge: give the shard files (written by modswap fuzz --shard K/N --json FILE)');
  if (flags.report !== '-') checkOutputFile('fuzz merge', 'report', flags.report as string);
  if (flags.json !== undefined && flags.json !== '-') checkOutputFile('fuzz merge', 'json', flags.json);
  let m;
  try {
    m = mergeShards(positional.map((path) => ({ path, shard: readShard(path) })));
  } catch (e) {
    if (e instanceof ShardError) throw new UsageError(`fuzz merge: ${e.message}`);
    throw e;
  }
  writeOut(io, flags.report as string, reliabilityMarkdown(m.summary, {
    jobs: m.processes,
    wallSeconds: m.spanSeconds,
    requested: m.sweep.seeds,
    shards: { count: m.sweep.shards, processes: m.processes, shardSeconds: m.shardSeconds },
    ...(m.host ? { host: m.host } : {}),
  }), 'report');
  if (flags.json !== undefined) writeOut(io, flags.json, JSON.stringify(m.summary), 'summary');
  if (flags.json !== '-') printSummary(io, m.summary, `from ${m.sweep.shards} shard(s)`, m.spanSeconds, m.host);
  return exitFor(m.summary);
}

export const fuzzCommand: Command = {
  name: 'fuzz',
  flags: FLAGS,
  summary: 'property-based differential testing of live update (random workloads, schedules, update points, faults)',
  help: () =>
    [
      'usage: modswap fuzz [--seeds N] [--start S] [--paths linux,k42] [--shard K/N] [--json FILE] [--report FILE] [--jobs N]',
      '       modswap fuzz merge [--report FILE] [--json FILE] SHARD.json...',
      '',
      'Runs one random case per seed: fsstress threads, schedule perturbation, an update of ext3',
      'at a random point (Linux: counter-shared, counter-percpu or stack-walk, sometimes with a',
      'second update racing it or a fault injected; K42: eager or lazy), every result checked',
      'against the POSIX model, exactly-once calls, the quiescence oracle and e2fsck -fn after',
      'unmount; plus hostile manifests, scenario files and corrupted images. A failure is shrunk',
      'and printed with its seed and a `modswap shell` script that replays it.',
      '',
      'Sharding (docs/sweeps.md): --shard K/N runs only the K-th (from 0) of N disjoint seed ranges',
      'of the sweep --start/--seeds and --json FILE writes the shard file; `fuzz merge` joins the N',
      'files (refusing overlapping, missing or inconsistent shards) into --report (RELIABILITY.md).',
      'Exit 0: no failure; 1: failures; 2: bad flags or shards that cannot be merged.',
      '',
      'flags:',
      flagHelp(FLAGS),
      '',
      'fuzz merge flags:',
      flagHelp(MERGE_FLAGS),
    ].join('\n'),
  async run(argv, io: CliIO) {
    if (argv[0] === 'merge') return runMerge(argv.slice(1), io);
    // --worker: internal, a process of a --jobs sweep prints one JSON line per seed
    const worker = argv.includes('--worker');
    const { flags, positional } = parseFlags('fuzz', argv.filter((a) => a !== '--worker'), FLAGS);
    if (positional.length > 0) throw new UsageError(`fuzz: unexpected argument '${positional[0]!.replace(/\n/g, '\\n')}'`);
    const paths = parsePaths(flags.paths as string);
    const budget = flags['time-budget'] as number;
    if (flags.report !== undefined) checkOutputFile('fuzz', 'report', flags.report as string);
    if (flags.json !== undefined && flags.json !== '-') checkOutputFile('fuzz', 'json', flags.json);
    if (worker) {
      await workerLoop(flags.start as number, flags.seeds as number, paths, (line) => io.out(line));
      return 0;
    }
    let shard: { index: number; count: number } | null = null;
    if (flags.shard !== undefined) {
      const p = parseShardSpec(flags.shard);
      if (typeof p === 'string') throw new UsageError(`fuzz: ${p}`);
      if (p.count > (flags.seeds as number)) throw new UsageError(`fuzz: --shard ${flags.shard}: more shards than the ${flags.seeds as number} seeds`);
      shard = p;
    }
    const [start, seeds] = shard ? shardRange(flags.start as number, flags.seeds as number, shard.index, shard.count) : [flags.start as number, flags.seeds as number];
    const jobs = Math.min(flags.jobs as number, seeds);
    const bar = createProgress(seeds);
    const onSeed = (done: number): void => bar.update(done, `seed ${start + done - 1}`);
    const startedAt = new Date();
    const t0 = Date.now();
    const loadStart = loadavg()[0]!;
    const cpu0 = process.cpuUsage();
    // More than one worker's worth of seeds goes to workers even with --jobs 1: a
    // worker is replaced every WORKER_SEEDS seeds (a bound on any future leak).
    const pooled = jobs > 1 || seeds > WORKER_SEEDS;
    const r = pooled ? await sweepInWorkers(start, seeds, paths.join(','), jobs, budget, onSeed) : { summary: await sweepHere(start, seeds, paths, budget, onSeed), cpuSeconds: 0 };
    const s = r.summary;
    bar.finish();
    const wall = (Date.now() - t0) / 1000;
    const own = process.cpuUsage(cpu0);
    const host: RunHost = { cpus: availableParallelism(), loadStart, loadEnd: loadavg()[0]!, cpuSeconds: r.cpuSeconds + (own.user + own.system) / 1e6 };
    const hostMeta: HostMeta = { cpus: host.cpus, loadMin: Math.min(loadStart, host.loadEnd), loadMax: Math.max(loadStart, host.loadEnd), cpuSeconds: host.cpuSeconds };
    if (flags.report !== undefined) {
      const note = s.seeds < seeds ? `stopped by --time-budget ${budget} s: ${s.seeds} of ${seeds} seeds ran` : undefined;
      writeOut(io, flags.report, reliabilityMarkdown(s, { jobs, wallSeconds: wall, requested: seeds, host: hostMeta, ...(note ? { note } : {}) }), 'report');
    }
    if (flags.json !== undefined) {
      const body: ShardFile | SweepSummary = shard
        ? {
            format: SHARD_FORMAT,
            sweep: { start: flags.start as number, seeds: flags.seeds as number, paths, shards: shard.count },
            shard: shard.index,
            range: [start, seeds],
            jobs,
            wallSeconds: wall,
            startedAt: startedAt.toISOString(),
            finishedAt: new Date().toISOString(),
            host,
            summary: s,
          }
        : s;
      writeOut(io, flags.json, JSON.stringify(body), 'summary');
    }
    if (flags.json !== '-') printSummary(io, s, `from ${start}${shard ? ` (shard ${shard.index}/${shard.count})` : ''}`, wall, hostMeta);
    return exitFor(s);
  },
};
