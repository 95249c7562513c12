/**
 * `modswap fuzz`: property-based differential testing of live update
 * (src/reliability). Seeds S..S+N-1, each a random case on the Linux path
 * (strategies counter-shared, counter-percpu, stack-walk) or the K42 path
 * (eager, lazy), every result checked against PosixModel plus exactly-once,
 * the quiescence oracle and e2fsck; a failure is shrunk and printed as its
 * seed and a `modswap shell` script that replays it.
 *
 * --jobs N splits the range across N workers (disjoint seed ranges, one
 * child process per 100 seeds, summaries merged: the result does not
 * depend on N). --time-budget stops
 * starting new seeds after that many wall-clock seconds and says how many
 * ran (the only use of wall time, here in the CLI, never in a case).
 * The progress bar goes to stderr only when it is a terminal.
 * Exit: 0 no failure, 1 failures, 2 bad flags.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { UsageError, flagHelp, parseFlags, type FlagSpecs } from './args.ts';
import type { CliIO, Command } from './command.ts';
import { checkOutputFile } from './output-path.ts';
import { createProgress } from './progress.ts';
import { selfCommand } from './paths.ts';
import { caseForSeed, type FuzzPath } from '../reliability/case.ts';
import { emptySummary, mergeSummaries, runSeed, type SweepSummary } from '../reliability/sweep.ts';
import { reliabilityMarkdown } from '../reliability/report.ts';

const FLAGS = {
  seeds: { kind: 'int', help: 'number of seeds to run', default: 100, min: 1, max: 10_000_000, arg: 'N' },
  start: { kind: 'int', help: 'first seed', default: 0, min: 0, max: 2 ** 31, arg: 'S' },
  paths: { kind: 'string', help: 'paths to fuzz, comma-separated: linux, k42', default: 'linux,k42', arg: 'LIST' },
  json: { kind: 'boolean', help: 'print the summary as one JSON object' },
  report: { kind: 'string', help: 'write the summary as Markdown to FILE (RELIABILITY.md)', arg: 'FILE' },
  jobs: { kind: 'int', help: 'split the seeds across N processes', default: 1, min: 1, max: 64, arg: 'N' },
  'time-budget': { kind: 'int', help: 'stop starting seeds after this many seconds of wall time (0: none)', default: 0, min: 0, max: 10_000_000, arg: 'SEC' },
} satisfies FlagSpecs;

function parsePaths(text: string): FuzzPath[] {
  const ps = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (ps.length === 0 || ps.some((p) => p !== 'linux' && p !== 'k42')) throw new UsageError(`fuzz: --paths takes linux, k42 or both (comma-separated), not '${text.replace(/\n/g, '\\n')}'`);
  return [...new Set(ps)] as FuzzPath[];
}

/** Run [start, start+n) in this process. */
function sweepHere(start: number, n: number, paths: FuzzPath[], budgetS: number, onSeed: (done: number) => void): { s: SweepSummary; stoppedEarly: boolean } {
  const s = emptySummary(start);
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    if (budgetS > 0 && (Date.now() - t0) / 1000 > budgetS) return { s, stoppedEarly: true };
    runSeed(start + i, paths, s);
    s.ranges = [[start, i + 1]];
    onSeed(i + 1);
  }
  return { s, stoppedEarly: false };
}

/** Seeds per child process: a fresh process per chunk bounds the memory a long sweep holds. */
const CHUNK = 20;
/** Wall-clock limit for one chunk's process (a healthy chunk takes ~15 s). */
const CHUNK_TIMEOUT_S = 150;

/** Run [from, from+count) in one child process; resolves its summary. */
function runChild(from: number, count: number, paths: string, onProgress: (done: number) => void): Promise<SweepSummary> {
  return new Promise<SweepSummary>((resolve, reject) => {
    const args = [...selfCommand(), 'fuzz', '--start', String(from), '--seeds', String(count), '--paths', paths, '--json', '--progress-lines'];
    const child = spawn(process.execPath, ['--max-old-space-size=4096', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let lastErr = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString('utf8').trim();
      if (!/^[\d\s]+$/.test(text)) lastErr = text.split('\n').find((l) => /error/i.test(l)) ?? text.split('\n')[0] ?? '';
      const m = /(\d+)\s*$/.exec(text);
      if (m) onProgress(Number(m[1]));
    });
    // a case that hangs outside the event budget (the K42 driver runs unbounded) or exhausts the
    // heap must not sink the sweep: kill the chunk's process after a wall-clock limit, record the chunk
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CHUNK_TIMEOUT_S * 1000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as SweepSummary);
      } catch {
        const why = timedOut ? `no result within ${CHUNK_TIMEOUT_S} s (a hang)` : `the process died${lastErr ? `: ${lastErr}` : ''}`;
        const failed = emptySummary(from);
        failed.failures.push({ seed: from, original: `seeds ${from}..${from + count - 1} (one process)`, failure: why, shrunk: caseForSeed(from), shrunkDescription: `run the seeds one at a time to find it: modswap fuzz --start S --seeds 1`, shrinkRuns: 0, replay: `modswap fuzz --paths ${paths} --start ${from} --seeds ${count}` });
        resolve(failed);
      }
    });
  });
}

/**
 * Run [start, start+n) on `jobs` workers, each taking its contiguous
 * sub-range in chunks of CHUNK seeds, one child process per chunk, until the
 * range or the wall-clock budget is used up.
 */
async function sweepInChildren(start: number, n: number, paths: string, jobs: number, budgetS: number, onSeed: (done: number) => void): Promise<SweepSummary> {
  const per = Math.ceil(n / jobs);
  const t0 = Date.now();
  const finished = new Array<number>(jobs).fill(0);
  const current = new Array<number>(jobs).fill(0);
  const report = (): void => onSeed(finished.reduce((a, b) => a + b, 0) + current.reduce((a, b) => a + b, 0));
  const parts: SweepSummary[] = [];
  await Promise.all(
    Array.from({ length: jobs }, async (_, j) => {
      const lo = start + j * per;
      const hi = Math.min(start + n, lo + per);
      for (let from = lo; from < hi; from += CHUNK) {
        if (budgetS > 0 && (Date.now() - t0) / 1000 > budgetS) return;
        const count = Math.min(CHUNK, hi - from);
        parts.push(await runChild(from, count, paths, (d) => ((current[j] = d), report())));
        finished[j] = (finished[j] ?? 0) + count;
        current[j] = 0;
      }
    }),
  );
  return mergeSummaries(parts.length ? parts : [emptySummary(start)]);
}

export const fuzzCommand: Command = {
  name: 'fuzz',
  summary: 'property-based differential testing of live update (random workloads, schedules, update points, faults)',
  help: () =>
    [
      'usage: modswap fuzz [--seeds N] [--start S] [--paths linux,k42] [--json] [--report FILE] [--jobs N]',
      '',
      'Runs one random case per seed: fsstress threads, schedule perturbation, an update of ext3',
      'at a random point (Linux: counter-shared, counter-percpu or stack-walk, sometimes with a',
      'second update racing it or a fault injected; K42: eager or lazy), every result checked',
      'against the POSIX model, exactly-once calls, the quiescence oracle and e2fsck -fn after',
      'unmount; plus hostile manifests, scenario files and corrupted images. A failure is shrunk',
      'and printed with its seed and a `modswap shell` script that replays it.',
      'Exit 0: no failure; 1: failures; 2: bad flags.',
      '',
      'flags:',
      flagHelp(FLAGS),
    ].join('\n'),
  async run(argv, io: CliIO) {
    // --progress-lines: internal, a child of --jobs reports progress as lines on stderr
    const progressLines = argv.includes('--progress-lines');
    const { flags, positional } = parseFlags('fuzz', argv.filter((a) => a !== '--progress-lines'), FLAGS);
    if (positional.length > 0) throw new UsageError(`fuzz: unexpected argument '${positional[0]!.replace(/\n/g, '\\n')}'`);
    const paths = parsePaths(flags.paths as string);
    if (flags.report !== undefined) checkOutputFile('fuzz', 'report', flags.report as string);
    const seeds = flags.seeds as number;
    const start = flags.start as number;
    const jobs = Math.min(flags.jobs as number, seeds);
    const budget = flags['time-budget'] as number;
    const bar = createProgress(seeds);
    const onSeed = (done: number): void => {
      if (progressLines) process.stderr.write(`${done}\n`);
      else bar.update(done, `seed ${start + done - 1}`);
    };
    const t0 = Date.now();
    let s: SweepSummary;
    if (jobs > 1) s = await sweepInChildren(start, seeds, paths.join(','), jobs, budget, onSeed);
    else s = sweepHere(start, seeds, paths, budget, onSeed).s;
    bar.finish();
    const wall = (Date.now() - t0) / 1000;
    if (flags.report !== undefined) {
      const note = s.seeds < seeds ? `stopped by --time-budget ${budget} s: ${s.seeds} of ${seeds} seeds ran (${(s.seeds / wall).toFixed(2)} seeds/s)` : undefined;
      writeFileSync(flags.report as string, reliabilityMarkdown(s, { jobs, wallSeconds: wall, requested: seeds, ...(note ? { note } : {}) }));
    }
    if (flags.json) io.out(JSON.stringify(s));
    else {
      io.out(`fuzz: ${s.seeds} seed(s) from ${start}, ${s.ops} operations checked, ${s.updatesOk} updates, ${s.rolledBack} rollbacks, ${s.failures.length} failure(s)`);
      io.out(`hostile: ${s.hostile.manifests} manifests, ${s.hostile.scenarios} scenarios, ${s.hostile.images} images, ${s.hostile.violations.length} violation(s)`);
      for (const v of s.hostile.violations) io.out(`  ${v}`);
      for (const f of s.failures) io.out(`\nFAIL ${f.original}\n  ${f.failure}\n  shrunk: ${f.shrunkDescription}\n${f.replay}`);
    }
    return s.failures.length === 0 && s.hostile.violations.length === 0 ? 0 : 1;
  },
};
