/**
 * Sharded sweeps (`modswap fuzz --shard K/N --json OUT`, `modswap fuzz
 * merge`): 4 shards run locally merge to exactly the summary of one
 * unsharded run over the same seeds (run on 2 worker processes, so the pool
 * is exercised too) and to the same RELIABILITY.md apart from the line
 * saying how it ran; overlapping, missing, inconsistent and malformed
 * shard files are refused with one line (exit 2).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/command.ts';
import { parseShardSpec, shardRange } from '../../src/reliability/shard.ts';

async function fuzz(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => '', isTTY: false };
  const code = await main(['fuzz', ...argv], io);
  return { code, out, err };
}

describe('shard ranges', () => {
  it('are disjoint, contiguous and cover the sweep; K/N is checked', () => {
    for (const [start, n, shards] of [[0, 10, 4], [100, 3, 3], [7, 1000, 7], [0, 5, 5]] as const) {
      const rs = Array.from({ length: shards }, (_, k) => shardRange(start, n, k, shards));
      expect(rs[0]![0]).toBe(start);
      for (let k = 1; k < shards; k++) expect(rs[k]![0]).toBe(rs[k - 1]![0] + rs[k - 1]![1]);
      expect(rs.reduce((a, r) => a + r[1], 0)).toBe(n);
      expect(Math.max(...rs.map((r) => r[1])) - Math.min(...rs.map((r) => r[1]))).toBeLessThanOrEqual(1);
    }
    expect(parseShardSpec('3/4')).toEqual({ index: 3, count: 4 });
    for (const bad of ['4/4', '1', 'a/b', '0/0', '-1/2']) expect(typeof parseShardSpec(bad)).toBe('string');
  });
});

describe('modswap fuzz --shard / merge', () => {
  it('4 shards merged equal one unsharded run over the same seeds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-shard-'));
    try {
      const files: string[] = [];
      for (let k = 0; k < 4; k++) {
        const f = join(dir, `shard-${k}.json`);
        const r = await fuzz('--start', '20', '--seeds', '6', '--shard', `${k}/4`, '--json', f);
        expect(r.code, r.out.join('\n')).toBe(0);
        files.push(f);
      }
      // shards come in any order
      const m = await fuzz('merge', '--report', join(dir, 'merged.md'), '--json', join(dir, 'merged.json'), files[2]!, files[0]!, files[3]!, files[1]!);
      expect(m.code, m.err.join('\n')).toBe(0);
      expect(m.out[0]).toMatch(/^fuzz: 6 seed\(s\) from 4 shard\(s\), \d+ operations checked/);
      const whole = await fuzz('--start', '20', '--seeds', '6', '--jobs', '2', '--json', join(dir, 'whole.json'), '--report', join(dir, 'whole.md'));
      expect(whole.code, whole.out.join('\n')).toBe(0);
      const merged = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8'));
      const one = JSON.parse(readFileSync(join(dir, 'whole.json'), 'utf8'));
      expect(merged.seeds).toBe(6);
      expect(merged.ranges).toEqual([[20, 6]]);
      expect(merged.ops).toBeGreaterThan(0);
      expect(merged).toEqual(one);
      // byte for byte: the same JSON (key order included) and the same report but for the line saying how it ran
      expect(readFileSync(join(dir, 'merged.json'), 'utf8')).toBe(readFileSync(join(dir, 'whole.json'), 'utf8'));
      const md = (f: string): string[] => readFileSync(join(dir, f), 'utf8').split('\n');
      const a = md('merged.md');
      const b = md('whole.md');
      const differ = a.map((l, i) => (l === b[i] ? null : i)).filter((i) => i !== null);
      expect(differ).toHaveLength(1);
      // with the machine it ran on: CPUs, load average, CPU per seed
      expect(a[differ[0]!]).toMatch(/^- seeds run: \*\*6\*\* \(20\.\.25\) of 6 requested, in 4 shards .* seeds\/s\*\* \(\d+ CPUs, 1-minute load average [\d.-]+ when the shards started and ended; \d+ ms of CPU a seed in the fuzz processes, e2fsck's not included\)$/);
      expect(b[differ[0]!]).toMatch(/^- seeds run: \*\*6\*\* \(20\.\.25\) of 6 requested, in 2 process\(es\), .* seeds\/s\*\* \(\d+ CPUs, 1-minute load average [\d.-]+ when it started and ended; \d+ ms of CPU a seed/);
      // the CPU figure is real: each seed costs well over a millisecond
      expect(Number(/; (\d+) ms of CPU a seed/.exec(a[differ[0]!]!)![1])).toBeGreaterThan(10);
      expect(Number(/; (\d+) ms of CPU a seed/.exec(b[differ[0]!]!)![1])).toBeGreaterThan(10);

      // refusals: one line each, exit 2
      const refused = async (args: string[], re: RegExp): Promise<void> => {
        const r = await fuzz('merge', '--report', join(dir, 'never.md'), ...args);
        expect(r.code).toBe(2);
        expect(r.err).toHaveLength(1);
        expect(r.err[0]).not.toContain('\n');
        expect(r.err[0]).toMatch(re);
      };
      await refused([files[0]!, files[1]!, files[1]!, files[2]!, files[3]!], /shard 1\/4 overlaps .*shard-1\.json \(the same shard twice\)/);
      await refused([files[0]!, files[1]!, files[3]!], /shard\(s\) 2 of 4 missing/);
      const other = join(dir, 'other.json');
      const r = await fuzz('--start', '20', '--seeds', '7', '--shard', '3/4', '--json', other);
      expect(r.code).toBe(0);
      await refused([files[0]!, files[1]!, files[2]!, other], /other\.json: from another sweep \(start 20, 7 seeds/);
      // a shard file edited to claim seeds of another shard (overlap inside the ranges)
      const s1 = JSON.parse(readFileSync(files[1]!, 'utf8'));
      s1.summary.ranges = [[20, 2]];
      writeFileSync(join(dir, 'forged.json'), JSON.stringify(s1));
      await refused([files[0]!, join(dir, 'forged.json'), files[2]!, files[3]!], /forged\.json: ran seeds 20\.\.21, outside its shard's 22\.\.23/);
      s1.summary.ops = -5;
      writeFileSync(join(dir, 'bad.json'), JSON.stringify(s1));
      await refused([join(dir, 'bad.json')], /bad\.json: not a shard file: summary\.ops: /);
      writeFileSync(join(dir, 'text.json'), 'seed 1 ok\n');
      await refused([join(dir, 'text.json')], /text\.json: not JSON/);
      await refused([join(dir, 'absent.json')], /absent\.json: cannot read \(ENOENT\)/);
      expect((await fuzz('--shard', '4/4', '--json', join(dir, 'x.json'))).code).toBe(2);
      expect((await fuzz('--shard', '0/5', '--seeds', '3')).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
