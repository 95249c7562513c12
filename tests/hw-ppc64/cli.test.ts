import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/command.ts';

function capture(): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => '', isTTY: false },
  };
}

describe('modswap machine', () => {
  it('prints the machine and its cost table with sources', async () => {
    const c = capture();
    expect(await main(['machine', '--cpus', '8', '--model', 'power5'], c.io)).toBe(0);
    const text = c.out.join('\n');
    expect(text).toContain('8 x power5');
    expect(text).toContain('128 bytes');
    expect(text).toContain('0x000d000000000000');
    expect(text).toMatch(/l2Hit\s+14/);
    expect(text).toContain('source: assumption');
    expect(c.err).toEqual([]);
  });

  it('prints JSON with --json', async () => {
    const c = capture();
    expect(await main(['machine', '--json'], c.io)).toBe(0);
    const j = JSON.parse(c.out.join('')) as { lineSize: number; cpus: number; model: string; costs: Record<string, { cycles: number; source: string }> };
    expect(j.lineSize).toBe(128);
    expect(j.cpus).toBe(4);
    expect(j.model).toBe('ppc970');
    expect(j.costs['l2Hit']!.cycles).toBe(12);
    expect(j.costs['l2Hit']!.source).toMatch(/lmbench/);
  });

  it.each([
    [['--cpus', '0']],
    [['--cpus', '300']],
    [['--model', 'x86']],
    [['--bogus']],
    [['--timebase-hz', '9e9']],
    [['extra']],
  ])('exits 2 with a one-line error for %j', async (args) => {
    const c = capture();
    expect(await main(['machine', ...args], c.io)).toBe(2);
    expect(c.err.length).toBe(1);
    expect(c.err[0]).toMatch(/^modswap machine: /);
    expect(c.err[0]).not.toContain('\n');
  });
});
