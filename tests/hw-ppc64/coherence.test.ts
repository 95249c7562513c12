import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/hw-ppc64/index.ts';
import { machine, runOn } from './helpers.ts';

describe('coherence directory', () => {
  it('charges memory, then L1 hits, then a cache-to-cache transfer', () => {
    const m = machine(2);
    const a = m.alloc(8, { align: 128 });
    const c = m.costs;
    expect(runOn(m, 0, () => m.load64(a)).cycles).toBe(c.memory + c.l1Hit);
    expect(m.dir.inspect(m.lineOf(a))).toEqual({ state: 'E', owner: 0, holders: [0] });
    expect(runOn(m, 0, () => m.load64(a)).cycles).toBe(c.l1Hit);
    expect(runOn(m, 0, () => m.store64(a, 5)).cycles).toBe(c.storeHit);
    expect(m.dir.inspect(m.lineOf(a)).state).toBe('M');
    // the other CPU reads the modified line: c2c, both share it
    expect(runOn(m, 1, () => m.load64(a)).value).toBe(5);
    expect(m.counters[1]!.c2c).toBe(1);
    expect(m.dir.inspect(m.lineOf(a))).toEqual({ state: 'S', owner: -1, holders: [0, 1] });
    // a store to a shared line invalidates the other copy
    expect(runOn(m, 1, () => m.store64(a, 6)).cycles).toBe(c.invalidate + c.storeHit);
    expect(m.dir.inspect(m.lineOf(a))).toEqual({ state: 'M', owner: 1, holders: [1] });
    expect(m.counters[1]!.invalidations).toBe(1);
    // and CPU 0 now misses
    expect(runOn(m, 0, () => m.load64(a)).cycles).toBe(c.c2c + c.l1Hit);
  });

  it('a store to a line held elsewhere takes it exclusive in one transaction', () => {
    const m = machine(3);
    const a = m.alloc(8, { align: 128 });
    runOn(m, 0, () => m.load64(a));
    runOn(m, 1, () => m.load64(a));
    expect(runOn(m, 2, () => m.store64(a, 1)).cycles).toBe(m.costs.c2c + m.costs.storeHit);
    expect(m.dir.inspect(m.lineOf(a)).holders).toEqual([2]);
  });

  it('different lines do not interfere; words of one line do', () => {
    const m = machine(2);
    const a = m.alloc(256, { align: 128 });
    runOn(m, 0, () => m.store64(a, 1));
    runOn(m, 1, () => m.store64(a + 128, 1));
    expect(runOn(m, 0, () => m.load64(a)).cycles).toBe(m.costs.l1Hit);
    // false sharing: a different word of CPU 1's line
    expect(runOn(m, 0, () => m.load64(a + 136)).cycles).toBe(m.costs.c2c + m.costs.l1Hit);
  });

  it('on POWER5 a line from the other core of the same chip costs an L2 hit', () => {
    const m = new Machine({ cpus: 4, model: 'power5' });
    const a = m.alloc(8, { align: 128 });
    runOn(m, 0, () => m.store64(a, 1));
    expect(runOn(m, 1, () => m.load64(a)).cycles).toBe(m.costs.l2Hit + m.costs.l1Hit); // same chip
    expect(m.counters[1]!.l2Hits).toBe(1);
    expect(runOn(m, 2, () => m.load64(a)).cycles).toBe(m.costs.c2c + m.costs.l1Hit); // other chip
  });

  it('queues transfers of one line behind each other', () => {
    const m = machine(3);
    const a = m.alloc(8, { align: 128 });
    runOn(m, 0, () => m.store64(a, 1));
    // CPUs 1 and 2 store at the same cycle: the second waits for the first transfer
    const cycles: number[] = [];
    for (const cpu of [1, 2]) {
      m.spawn(`s${cpu}`, function* () {
        const t0 = m.engine.now;
        yield* m.store64(a, cpu);
        cycles[cpu] = m.engine.now - t0;
      }, { cpu });
    }
    m.run();
    const one = m.costs.c2c + m.costs.storeHit;
    expect(cycles[1]).toBe(one);
    expect(cycles[2]).toBe(m.costs.c2c + one);
    expect(m.counters[2]!.stallCycles).toBe(m.costs.c2c);
  });
});

describe('barriers and the timebase', () => {
  it('sync, lwsync and isync charge their costs', () => {
    const m = machine(1);
    const c = m.costs;
    expect(runOn(m, 0, () => m.sync()).cycles).toBe(c.sync);
    expect(runOn(m, 0, () => m.lwsync()).cycles).toBe(c.lwsync);
    expect(runOn(m, 0, () => m.isync()).cycles).toBe(c.isync);
    expect(c.sync).toBeGreaterThan(c.lwsync);
    expect(m.counters[0]!.sync + m.counters[0]!.lwsync + m.counters[0]!.isync).toBe(3);
  });

  it('mftb reads the timebase, which scales with its frequency', () => {
    const read = (timebaseHz: number): number[] => {
      const m = machine(1, { timebaseHz });
      return runOn(m, 0, function* () {
        yield 2_000_000; // 1 ms at 2 GHz
        const t1 = yield* m.mftb();
        yield 4_000_000; // 2 ms more
        const t2 = yield* m.mftb();
        return [t1, t2];
      }).value;
    };
    const ctx = 2000; // the context switch before the thread's first instruction
    const [a1, a2] = read(10e6);
    expect(a1).toBe(Math.floor(((2_000_000 + ctx) * 10e6) / 2e9));
    expect(a2! - a1!).toBe(20_000 + Math.floor(10 / 200) /* mftb cost below one tick */);
    const [b1, b2] = read(40e6);
    expect(b2! - b1!).toBe(4 * (a2! - a1!));
    const m = machine(1, { coreHz: 1_800_000_000, timebaseHz: 33_333_333 });
    expect(m.timebaseAt(1_800_000_000)).toBe(33_333_333);
    expect(m.timebaseAt(54)).toBe(0);
    expect(m.timebaseAt(55)).toBe(1);
  });
});
