/**
 * Sharded sweeps: a sweep of seeds [start, start+seeds) split into N
 * disjoint contiguous seed ranges, one per shard, so a batch scheduler
 * (a Slurm array job, a Kubernetes Indexed Job, a CI matrix) runs shard K
 * as `modswap fuzz --shard K/N --json OUT` anywhere, and
 * `modswap fuzz merge OUT...` joins the files into one summary (and
 * RELIABILITY.md). A summary merges associatively (sweep.ts), so the merge
 * of the N shards equals one unsharded run over the same seeds.
 *
 * A shard file is outside input when read back: validated with zod, and a
 * set of shards that overlap, disagree about the sweep, or leave a shard
 * out is refused with one line naming the file. Wall-clock times in a
 * shard file are the CLI's (the only wall time in a sweep), for the
 * seeds/s figure; nothing in a case depends on them.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { FuzzPath } from './case.ts';
import { mergeSummaries, type SweepSummary } from './sweep.ts';

export const SHARD_FORMAT = 'modswap-fuzz-shard/1';

/** Shard `k` (0-based) of `n` over [start, start+count): [first seed, seeds]; sizes differ by at most one. */
export function shardRange(start: number, count: number, k: number, n: number): [number, number] {
  const base = Math.floor(count / n);
  const extra = count % n;
  return [start + k * base + Math.min(k, extra), base + (k < extra ? 1 : 0)];
}

/** "K/N" with 0 <= K < N (Kubernetes' completion index and Slurm's array task id both count from 0). */
export function parseShardSpec(text: string): { index: number; count: number } | string {
  const m = /^(\d{1,7})\/(\d{1,7})$/.exec(text);
  if (!m) return `--shard takes K/N (shard K of N, K from 0), not '${text.replace(/\n/g, '\\n')}'`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) return `--shard ${text}: N must be at least 1`;
  if (index >= count) return `--shard ${text}: K counts from 0, so it must be below N (${count})`;
  return { index, count };
}

const int = z.number().int().min(0);
const counts = z.record(z.string(), int);
const FailureSchema = z.object({
  seed: int,
  original: z.string(),
  failure: z.string(),
  // a case is plain data; its exact shape is the case generator's (checked when replayed)
  shrunk: z.looseObject({ path: z.enum(['linux', 'k42']), seed: int }),
  shrunkDescription: z.string(),
  shrinkRuns: int,
  replay: z.string(),
});
const SummarySchema = z.object({
  seeds: int,
  start: int,
  ranges: z.array(z.tuple([int, int])),
  cases: counts,
  ops: int,
  updatesOk: int,
  rolledBack: int,
  faultsInjected: counts,
  secondUpdates: z.object({ ebusy: int, missed: int }),
  fsckClean: int,
  // absent in shard files written before it was counted
  fsckPredicted: int.default(0),
  hostile: z.object({
    manifests: int,
    scenarios: int,
    images: int,
    imageOutcomes: counts,
    writes: int,
    writeOutcomes: counts,
    writeCalls: z.object({ ok: int, errno: int }),
    violations: z.array(z.string()),
  }),
  failures: z.array(FailureSchema),
});

const ShardSchema = z.object({
  format: z.literal(SHARD_FORMAT),
  sweep: z.object({ start: int, seeds: z.number().int().min(1), paths: z.array(z.enum(['linux', 'k42'])).min(1), shards: z.number().int().min(1) }),
  shard: int,
  range: z.tuple([int, int]),
  jobs: z.number().int().min(1),
  wallSeconds: z.number().min(0),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  host: z.object({ cpus: z.number().int().min(1), loadStart: z.number().min(0), loadEnd: z.number().min(0), cpuSeconds: z.number().min(0) }).optional(),
  summary: SummarySchema,
});

/**
 * The machine a run was on, to read its seeds/s by: CPUs, the 1-minute load
 * average at its start and end (other work on the machine), and the CPU
 * seconds its fuzz processes used (user + system, e2fsck's processes not
 * included), which load does not change much.
 */
export interface RunHost {
  cpus: number;
  loadStart: number;
  loadEnd: number;
  cpuSeconds: number;
}

export interface ShardFile {
  format: typeof SHARD_FORMAT;
  sweep: { start: number; seeds: number; paths: FuzzPath[]; shards: number };
  shard: number;
  range: [number, number];
  /** Processes the shard ran on. */
  jobs: number;
  wallSeconds: number;
  startedAt: string;
  finishedAt: string;
  /** Absent in shard files written before it was recorded. */
  host?: RunHost;
  summary: SweepSummary;
}

/** Thrown for a shard file or set of shards that cannot be merged; the message is one line. */
export class ShardError extends Error {}

/** Read and validate one shard file. */
export function readShard(path: string): ShardFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ShardError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ShardError(`${path}: not JSON (a shard file is written by modswap fuzz --shard K/N --json FILE)`);
  }
  const r = ShardSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ShardError(`${path}: not a shard file: ${i.path.join('.') || '(top)'}: ${i.message}`.replace(/\r?\n/g, '\\n'));
  }
  const s = r.data as unknown as ShardFile;
  const [first, n] = shardRange(s.sweep.start, s.sweep.seeds, s.shard, s.sweep.shards);
  if (s.shard >= s.sweep.shards || s.range[0] !== first || s.range[1] !== n) {
    throw new ShardError(`${path}: shard ${s.shard}/${s.sweep.shards} should cover seeds ${first}..${first + n - 1}, the file says ${s.range[0]}..${s.range[0] + s.range[1] - 1}`);
  }
  let ran = 0;
  for (const [a, k] of s.summary.ranges) {
    ran += k;
    if (a < first || a + k > first + n) throw new ShardError(`${path}: ran seeds ${a}..${a + k - 1}, outside its shard's ${first}..${first + n - 1}`);
  }
  if (ran !== s.summary.seeds) throw new ShardError(`${path}: its seed ranges hold ${ran} seeds, its summary counts ${s.summary.seeds}`);
  if (s.summary.failures.some((f) => !s.summary.ranges.some(([a, k]) => f.seed >= a && f.seed < a + k))) {
    throw new ShardError(`${path}: a failure names a seed the shard did not run`);
  }
  return s;
}

export interface MergedSweep {
  summary: SweepSummary;
  sweep: ShardFile['sweep'];
  /** Processes over all shards. */
  processes: number;
  /** Sum of the shards' wall times. */
  shardSeconds: number;
  /** First shard's start to last shard's end. */
  spanSeconds: number;
  /** Over all shards (CPUs: the most any shard saw; load: lowest and highest; CPU seconds: summed), or null if a shard did not record it. */
  host: { cpus: number; loadMin: number; loadMax: number; cpuSeconds: number } | null;
}

const sweepKey = (s: ShardFile['sweep']): string => `start ${s.start}, ${s.seeds} seeds, paths ${s.paths.join(',')}, ${s.shards} shards`;

/** Join shards of one sweep: refused (ShardError, one line) if they disagree, overlap or one is missing. */
export function mergeShards(files: readonly { path: string; shard: ShardFile }[]): MergedSweep {
  if (files.length === 0) throw new ShardError('no shard files given');
  const first = files[0]!;
  const want = sweepKey(first.shard.sweep);
  const byIndex = new Map<number, string>();
  for (const { path, shard } of files) {
    if (sweepKey(shard.sweep) !== want) throw new ShardError(`${path}: from another sweep (${sweepKey(shard.sweep)}; ${first.path}: ${want})`);
    const dup = byIndex.get(shard.shard);
    if (dup !== undefined) throw new ShardError(`${path}: shard ${shard.shard}/${shard.sweep.shards} overlaps ${dup} (the same shard twice)`);
    byIndex.set(shard.shard, path);
  }
  const missing = Array.from({ length: first.shard.sweep.shards }, (_, k) => k).filter((k) => !byIndex.has(k));
  if (missing.length > 0) {
    const list = missing.length > 8 ? `${missing.slice(0, 8).join(', ')}, ... (${missing.length} in all)` : missing.join(', ');
    throw new ShardError(`shard(s) ${list} of ${first.shard.sweep.shards} missing: run modswap fuzz --shard K/${first.shard.sweep.shards} for each`);
  }
  const sorted = [...files].sort((a, b) => a.shard.shard - b.shard.shard);
  const summary = mergeSummaries(sorted.map((f) => f.shard.summary));
  const t0 = Math.min(...files.map((f) => Date.parse(f.shard.startedAt)));
  const t1 = Math.max(...files.map((f) => Date.parse(f.shard.finishedAt)));
  return {
    summary,
    sweep: first.shard.sweep,
    processes: files.reduce((n, f) => n + f.shard.jobs, 0),
    shardSeconds: files.reduce((n, f) => n + f.shard.wallSeconds, 0),
    spanSeconds: Math.max(0, (t1 - t0) / 1000),
    host: files.every((f) => f.shard.host)
      ? {
          cpus: Math.max(...files.map((f) => f.shard.host!.cpus)),
          loadMin: Math.min(...files.flatMap((f) => [f.shard.host!.loadStart, f.shard.host!.loadEnd])),
          loadMax: Math.max(...files.flatMap((f) => [f.shard.host!.loadStart, f.shard.host!.loadEnd])),
          cpuSeconds: files.reduce((n, f) => n + f.shard.host!.cpuSeconds, 0),
        }
      : null,
  };
}
