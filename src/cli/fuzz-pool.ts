/**
 * `modswap fuzz --jobs N`: the seeds split into N contiguous ranges, each
 * run by a worker process (`modswap fuzz --worker`) that prints one JSON
 * line per finished seed (that seed's summary). The parent merges the
 * lines (sweep.ts mergeSummaries: the result does not depend on N).
 *
 * A worker runs up to WORKER_SEEDS seeds, then a fresh one takes over, so a
 * long sweep's memory stays bounded whatever a future case leaks, while
 * process start-up (~1 s of tsx compilation from source, less from dist/)
 * is paid once per WORKER_SEEDS seeds.
 * A seed that produces no line within SEED_TIMEOUT_S of CPU time (a hang
 * outside the event budget, or a shrink that never ends) or a worker that dies (heap
 * exhausted) becomes a failure of that one seed, and a new worker goes on
 * from the next seed: nothing else is lost.
 *
 * Wall time is read here, in the CLI, for the time budget and timeouts
 * only; no case depends on it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { selfCommand } from './paths.ts';
import { caseForSeed, type FuzzPath } from '../reliability/case.ts';
import { emptySummary, mergeSummaries, runSeed, type SweepSummary } from '../reliability/sweep.ts';

/**
 * Seeds one worker process runs before a fresh one takes over. A worker's
 * memory no longer grows with the seeds it ran (`endJob` below; it used to
 * grow ~10 MB a seed), so this only bounds the damage of a leak nobody has
 * found yet, while start-up (module loading, the cached base images) is paid
 * once per 1,000 seeds rather than once per 100 (~10 ms a seed from source).
 */
export const WORKER_SEEDS = 1000;
/**
 * Node flags of a worker process (the heap limit; the V8 interrupt budget
 * every `modswap` process sets itself: main.ts setUpProcess).
 * MODSWAP_WORKER_NODE_FLAGS replaces them (space-separated), to measure others.
 */
export function workerNodeFlags(): string[] {
  const env = process.env['MODSWAP_WORKER_NODE_FLAGS'];
  return env !== undefined ? env.split(/\s+/).filter(Boolean) : ['--max-old-space-size=2048'];
}

/**
 * CPU seconds one seed may take in a worker (a healthy seed: well under 1 s;
 * a failing one shrinks for a few seconds). CPU, not wall time, where the
 * host says how much CPU a process used (/proc): a shrink of 10 CPU seconds
 * on 2 cores loaded 60 deep takes 300 s of wall time, and must not be
 * reported as a hang. Checked every SEED_TIMEOUT_S of wall time.
 */
export const SEED_TIMEOUT_S = 300;
/** Wall-clock seconds after which a seed is a hang whatever its CPU time (a worker stuck without spinning). */
export const SEED_WALL_LIMIT_S = 3600;

let clockTicks: number | null | undefined;

/** CPU seconds (user + system) process `pid` has used, from /proc; null where the host does not say. */
export function processCpuSeconds(pid: number): number | null {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()) || null;
    if (!clockTicks) return null;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // after "pid (comm) ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clockTicks;
  } catch {
    clockTicks ??= null;
    return null;
  }
}

/**
 * End the current job (a macrotask turn) between two seeds. A case's kernel
 * names its superblocks in a weak table (modules/kernel/super-table.ts), and
 * a `WeakRef`'s target is kept alive until the job that created or deref'd
 * it ends (ECMA-262 AddToKeptObjects; V8 clears the kept set only when the
 * job's microtask checkpoint runs). A sweep that ran every seed in one
 * synchronous loop was one job, so every case's superblock, and through it
 * its whole machine and 9-32 MiB disk, stayed alive to the end: the ~10 MB a
 * seed a fuzz process grew. Returning to the event loop after each seed lets
 * the collector take the finished case.
 */
export function endJob(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The worker side: run [start, start+n) here, one JSON line (`{"seed":S,"summary":{...}}`) per seed on `out`. */
export async function workerLoop(start: number, n: number, paths: readonly FuzzPath[], out: (line: string) => void): Promise<void> {
  for (let seed = start; seed < start + n; seed++) {
    const s = emptySummary(seed);
    runSeed(seed, paths, s);
    s.ranges = [[seed, 1]];
    const cpu = process.cpuUsage();
    out(JSON.stringify({ seed, summary: s, cpuMicros: cpu.user + cpu.system }));
    await endJob();
  }
}

/** A seed that never reported: its one-seed summary, as a failure. */
function lostSeed(seed: number, paths: string, why: string): SweepSummary {
  const s = emptySummary(seed);
  s.seeds = 1;
  s.ranges = [[seed, 1]];
  s.failures.push({ seed, original: `seed ${seed} (in a worker process)`, failure: why, shrunk: caseForSeed(seed, paths.split(',') as FuzzPath[]), shrunkDescription: 'not shrunk (the worker was lost)', shrinkRuns: 0, replay: `modswap fuzz --paths ${paths} --start ${seed} --seeds 1` });
  return s;
}

/**
 * Run seeds [from, hi) in worker processes, one after another; each seed's
 * summary goes to `onSeed`. Resolves when every seed reported (or was lost)
 * or `stop()` says to stop starting seeds.
 */
async function runRange(from: number, hi: number, paths: string, stop: () => boolean, onSeed: (s: SweepSummary) => void, cpu: { micros: number }): Promise<void> {
  let next = from;
  while (next < hi && !stop()) {
    const count = Math.min(WORKER_SEEDS, hi - next);
    next = await new Promise<number>((resolve, reject) => {
      let at = next;
      const end = at + count;
      const child = spawn(process.execPath, [...workerNodeFlags(), ...selfCommand(), 'fuzz', '--worker', '--start', String(at), '--seeds', String(count), '--paths', paths], { stdio: ['ignore', 'pipe', 'pipe'] });
      let buf = '';
      let lastErr = '';
      // the worker's own CPU so far (its last line says; a worker that dies takes the rest with it)
      let workerMicros = 0;
      let why: string | null = null;
      let timer: NodeJS.Timeout;
      // a new seed started: its CPU and wall clocks start here
      const arm = (): void => {
        const cpu0 = child.pid === undefined ? null : processCpuSeconds(child.pid);
        const wall0 = Date.now();
        const check = (): void => {
          const cpu = cpu0 === null || child.pid === undefined ? null : processCpuSeconds(child.pid);
          const wall = (Date.now() - wall0) / 1000;
          // a slow machine, not a hang: the seed has not used its CPU budget yet
          if (cpu !== null && cpu - cpu0! < SEED_TIMEOUT_S && wall < SEED_WALL_LIMIT_S) {
            timer = setTimeout(check, SEED_TIMEOUT_S * 1000);
            return;
          }
          why = cpu !== null && wall < SEED_WALL_LIMIT_S ? `no result within ${SEED_TIMEOUT_S} s of CPU time (a hang)` : `no result within ${Math.round(wall)} s (a hang)`;
          child.kill('SIGKILL');
        };
        clearTimeout(timer);
        timer = setTimeout(check, SEED_TIMEOUT_S * 1000);
      };
      arm();
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim() === '') continue;
          const rec = JSON.parse(line) as { seed: number; summary: SweepSummary; cpuMicros: number };
          onSeed(rec.summary);
          workerMicros = rec.cpuMicros;
          at = rec.seed + 1;
          arm();
          if (stop() && at < end) {
            why = 'stopped';
            child.kill('SIGKILL');
          }
        }
      });
      child.stderr.on('data', (d: Buffer) => {
        const text = d.toString('utf8').trim();
        if (text) lastErr = text.split('\n').find((l) => /error/i.test(l)) ?? text.split('\n')[0] ?? '';
      });
      child.on('error', reject);
      child.on('close', () => {
        clearTimeout(timer);
        cpu.micros += workerMicros;
        if (at >= end || why === 'stopped') return resolve(at >= end ? end : hi);
        // the seed in progress is lost (hang or death); a fresh worker goes on after it
        onSeed(lostSeed(at, paths, why ?? `the worker process died${lastErr ? `: ${lastErr}` : ''}`));
        resolve(at + 1);
      });
    });
  }
}

/**
 * Run [start, start+n) on `jobs` workers, each taking a contiguous sub-range,
 * until the range or the wall-clock budget (seconds, 0: none) is used up.
 * Also returns the CPU seconds the worker processes used (user + system;
 * e2fsck's own processes not included).
 */
export async function sweepInWorkers(start: number, n: number, paths: string, jobs: number, budgetS: number, onProgress: (done: number) => void): Promise<{ summary: SweepSummary; cpuSeconds: number }> {
  const per = Math.ceil(n / jobs);
  const t0 = Date.now();
  const stop = (): boolean => budgetS > 0 && (Date.now() - t0) / 1000 > budgetS;
  const parts: SweepSummary[] = [];
  const cpu = { micros: 0 };
  await Promise.all(
    Array.from({ length: jobs }, (_, j) => {
      const lo = start + j * per;
      const hi = Math.min(start + n, lo + per);
      return lo < hi ? runRange(lo, hi, paths, stop, (s) => (parts.push(s), onProgress(parts.length)), cpu) : Promise.resolve();
    }),
  );
  return { summary: mergeSummaries(parts.length ? parts : [emptySummary(start)]), cpuSeconds: cpu.micros / 1e6 };
}
