/**
 * The bounded CI version of `modswap fuzz`: fast-check picks seeds (and
 * shrinks a failing one to the smallest seed index), each seed one case on
 * each path; plus the shrinker and the CLI contract.
 */
import { describe, it, expect } from 'vitest';
import { sweep } from '../scale.ts';
import fc from 'fast-check';
import { caseForSeed, type LinuxCase } from '../../src/reliability/case.ts';
import { coalesceRanges, emptySummary, mergeSummaries, runCase, runSeed } from '../../src/reliability/sweep.ts';
import { reliabilityMarkdown } from '../../src/reliability/report.ts';
import { shrink } from '../../src/reliability/shrink.ts';
import { linuxScript } from '../../src/reliability/linux-case.ts';
import { main } from '../../src/cli/main.ts';

describe('fuzz (bounded)', () => {
  // Seeds the large sweep once found hanging on the K42 path: 263 (eager, 1 CPU:
  // a generation slot left with only its interest bit), 1063 and 7393 (lazy:
  // inode conversions overlapping the superblock swap), 7265 (lazy: two inode
  // conversions in flight together, each one's blocked callers holding the
  // other's generation open).
  it.each([263, 1063, 7393, 7265])('K42 regression seed %i finishes and holds every oracle', (seed) => {
    const o = runCase(caseForSeed(seed, ['k42']));
    expect(o.failure).toBeNull();
  });

  it.each(['linux', 'k42'] as const)('%s: random cases hold every oracle', (path) => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (seed) => {
        const o = runCase(caseForSeed(seed, [path]));
        expect(o.failure).toBeNull();
      }),
      { numRuns: sweep(4, 12), seed: 7 },
    );
  });

  it('merged summaries report a chunked sweep as whole seed ranges', () => {
    expect(coalesceRanges([[40, 20], [0, 20], [20, 20], [5000, 20], [5020, 10], [100, 5]])).toEqual([[0, 60], [100, 5], [5000, 30]]);
    const part = (a: number, n: number) => ({ ...emptySummary(a), seeds: n, ranges: [[a, n]] as [number, number][] });
    const m = mergeSummaries([part(20, 20), part(0, 20), part(60, 20)]);
    expect(m.ranges).toEqual([[0, 40], [60, 20]]);
    expect(m.seeds).toBe(60);
  });

  it('a passing ext3 1->2 case whose e2fsck found release 1\'s predicted link counts is counted as such, not as clean', () => {
    // seed 98: linux stack-walk ext3 1->2, a directory moved by release 1 before the update
    const s = emptySummary(98);
    runSeed(98, ['linux', 'k42'], s);
    expect(s.failures).toEqual([]);
    expect({ clean: s.fsckClean, predicted: s.fsckPredicted }).toEqual({ clean: 0, predicted: 1 });
    const report = reliabilityMarkdown(s, { jobs: 1, wallSeconds: 1, requested: 1 });
    expect(report).toContain('e2fsck -fn clean after unmount: 0 of 1; in the other 1 passing case(s) (ext3 1->2) it reported exactly the directory link counts');
  });

  it('the shrinker reaches a minimal case of a synthetic failure', () => {
    const c = caseForSeed(8, ['linux']) as LinuxCase;
    const big: LinuxCase = { ...c, threads: 5, ops: 30, filler: 9, cpus: 4, perturb: true, second: true };
    // "fails" whenever there are at least 2 threads and 3 ops
    const s = shrink(big, 'synthetic', (x) => (x.threads >= 2 && x.ops >= 3 ? 'synthetic' : null));
    expect(s.smallest).toMatchObject({ threads: 2, ops: 3, filler: 0, cpus: 1, perturb: false, second: false });
    expect(linuxScript(s.smallest)).toContain('bg fsstress --threads 2 --ops 3 --dir /fz');
  });

  it('modswap fuzz: summary line, exit 0; bad flags exit 2 with one line', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), readStdin: async () => '', isTTY: false };
    expect(await main(['fuzz', '--seeds', '2', '--start', '40'], io)).toBe(0);
    expect(out[0]).toMatch(/^fuzz: 2 seed\(s\) from 40, \d+ operations checked/);
    expect(err).toEqual([]); // no progress bar off a terminal
    err.length = 0;
    expect(await main(['fuzz', '--paths', 'bsd'], io)).toBe(2);
    expect(err).toHaveLength(1);
  });
});
