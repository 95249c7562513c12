/** `modswap compare`: the --json object's shape, the text table, one-line errors with exit 2. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/command.ts';

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => '', isTTY: false };
  const code = await main(['compare', ...argv], io);
  return { code, out, err };
}

const num = z.number().finite().nonnegative();
const path = z
  .object({
    updateOk: z.boolean(),
    error: z.string().optional(),
    steadyStateCyclesPerCall: num,
    callsBlocked: z.number().int().nonnegative(),
    longestStallCycles: num,
    longestStallUs: num,
    updateDurationCycles: num,
    updateDurationUs: num,
    shareOfCallsThatWaited: z.number().min(0).max(1),
    workDoneDuringUpdate: z.number().int().nonnegative(),
    totalOps: z.number().int().positive(),
    makespanCycles: num,
    e2fsck: z.number().int().nullable(),
  })
  .strict();
const shape = z
  .object({
    spec: z.object({ cpus: z.number(), threads: z.number(), opsPerThread: z.number(), seed: z.number(), from: z.number(), to: z.number(), strategy: z.string(), mode: z.string(), model: z.string() }).strict(),
    cyclesPerUs: z.number().positive(),
    k42: path,
    linux: path,
    resultsIdentical: z.boolean(),
    differingOps: z.array(z.string()),
    contentsIdentical: z.boolean(),
    treeEntries: z.number().int().positive(),
    ok: z.boolean(),
  })
  .strict();

const FLAGS = ['--cpus', '2', '--threads', '4', '--ops', '30', '--seed', '7', '--from', '2', '--to', '3'];

describe('modswap compare', () => {
  it('--json prints one object of the documented shape', async () => {
    const r = await run(...FLAGS, '--strategy', 'stack-walk', '--mode', 'lazy', '--json');
    expect(r.err).toEqual([]);
    expect(r.out).toHaveLength(1);
    const j = shape.parse(JSON.parse(r.out[0]!));
    expect(j.spec).toEqual({ cpus: 2, threads: 4, opsPerThread: 30, seed: 7, from: 2, to: 3, strategy: 'stack-walk', mode: 'lazy', model: 'ppc970' });
    expect(j.ok && j.resultsIdentical && j.contentsIdentical).toBe(true);
    expect(j.k42.totalOps).toBe(120);
    expect(j.linux.totalOps).toBe(120);
    expect(r.code).toBe(0);
  });

  it('prints the side-by-side table', async () => {
    const r = await run(...FLAGS);
    expect(r.code).toBe(0);
    const t = r.out.join('\n');
    for (const row of ['steady-state cycles per call', 'calls blocked', 'longest stall', 'total update time', 'share of calls that waited', 'work done during the update', 'e2fsck -fn']) expect(t).toContain(row);
    expect(t).toMatch(/results identical: yes/);
    expect(t).toMatch(/contents identical: yes/);
  });

  it.each([
    [['--cpus', 'x'], /--cpus must be an integer/],
    [['--from', '1', '--to', '3'], /--to must be --from \+ 1/],
    [['--strategy', 'none'], /--strategy must be one of/],
    [['--mode', 'sometimes'], /--mode must be one of/],
    [['--bogus'], /unknown flag --bogus/],
    [['extra'], /unexpected argument/],
  ])('bad flags %j: one-line error, exit 2', async (argv, msg) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(msg);
    expect(r.err[0]).not.toContain('\n');
  });
});
