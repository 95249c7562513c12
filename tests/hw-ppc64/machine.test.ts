import { describe, expect, it } from 'vitest';
import {
  KERNEL_BASE,
  KERNEL_PSPECIFIC_BASE,
  Machine,
  MachineConfigError,
  MachineFault,
  MODEL_SPECS,
  COST_NAMES,
  type MachineConfig,
} from '../../src/hw-ppc64/index.ts';
import { machine, runOn } from './helpers.ts';

describe('config', () => {
  it('fills in model defaults and derives engine costs from the table', () => {
    const m = machine(4);
    expect(m.coreHz).toBe(2e9);
    expect(m.timebaseHz).toBe(10e6);
    expect(m.engine.cyclesPerUs).toBe(2000);
    expect(m.engine.cpus.length).toBe(4);
    expect(m.engine.costs.contextSwitch).toBe(m.costs.contextSwitch);
    expect(m.engine.costs.irqEntry).toBe(m.costs.irqEntry);
    expect(m.engine.costs.atomic).toBe(m.costs.larx + m.costs.alu + m.costs.stcx + m.costs.isync);
    const p5 = new Machine({ cpus: 2, model: 'power5' });
    expect(p5.spec.coresPerChip).toBe(2);
    expect(p5.costs.l2Hit).toBe(14);
  });

  it('accepts 1 and 256 CPUs', () => {
    expect(machine(1).cpus).toBe(1);
    expect(machine(256).cpus).toBe(256);
  });

  const bad: [string, Partial<MachineConfig> & Record<string, unknown>, RegExp][] = [
    ['zero cpus', { cpus: 0 }, /cpus must be an integer from 1 to 256, got 0/],
    ['257 cpus', { cpus: 257 }, /cpus must be an integer from 1 to 256, got 257/],
    ['fractional cpus', { cpus: 2.5 }, /cpus must be an integer/],
    ['unknown model', { model: 'x86' as never }, /model must be one of ppc970, power5, got 'x86'/],
    ['negative coreHz', { coreHz: -1 }, /coreHz must be a positive number/],
    ['timebase above core', { timebaseHz: 3e9 }, /timebaseHz \(3000000000\) must not exceed coreHz/],
    ['odd memory', { memoryBytes: 1000 }, /memoryBytes must be a multiple of 4096/],
    ['unknown field', { cpuz: 3 }, /unknown config field 'cpuz'/],
    ['unknown cost', { costs: { l9Hit: 3 } as never }, /unknown cost 'l9Hit'/],
    ['negative cost', { costs: { sync: -5 } }, /cost sync must be a number >= 0/],
  ];
  it.each(bad)('rejects %s with a one-line error', (_n, extra, re) => {
    const cfg = { cpus: 2, model: 'ppc970', ...extra } as MachineConfig;
    let err: unknown;
    try {
      new Machine(cfg);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MachineConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(re);
    expect(msg).toMatch(/^machine: /);
    expect(msg).not.toContain('\n');
  });

  it('every cost entry of every model has a source', () => {
    for (const spec of Object.values(MODEL_SPECS)) {
      for (const k of COST_NAMES) {
        const e = spec.costs[k];
        expect(e.cycles, `${spec.model}.${k}`).toBeGreaterThanOrEqual(0);
        expect(e.source.length, `${spec.model}.${k}`).toBeGreaterThan(10);
      }
    }
  });
});

describe('memory and translation', () => {
  it('is big-endian at every width', () => {
    const m = machine(1);
    const a = m.alloc(16);
    m.poke32(a, 0x11223344);
    expect([0, 1, 2, 3].map((i) => m.peek8(a + i))).toEqual([0x11, 0x22, 0x33, 0x44]);
    expect(m.peek16(a)).toBe(0x1122);
    expect(m.peek16(a + 2)).toBe(0x3344);
    m.poke64(a + 8, 0x000f_0203_0405_0607); // below 2^53
    expect([8, 9, 10, 15].map((i) => m.peek8(a + i))).toEqual([0x00, 0x0f, 0x02, 0x07]);
    expect(m.peek32(a + 8)).toBe(0x000f0203);
    expect(m.peek32(a + 12)).toBe(0x04050607);
  });

  it('keeps 64-bit values exact below 2^53, signed, and refuses others', () => {
    const m = machine(1);
    const a = m.alloc(8);
    for (const v of [0, 1, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 32, -(2 ** 32) - 7]) {
      m.poke64(a, v);
      expect(m.peek64(a)).toBe(v);
    }
    m.poke64(a, -1);
    expect(m.peek32(a)).toBe(0xffffffff);
    expect(() => m.poke64(a, 2 ** 53)).toThrow(/not an integer with \|v\| < 2\^53/);
    expect(() => m.poke64(a, 1.5)).toThrow();
    m.poke32(a, 0x7fffffff);
    expect(() => m.peek64(a)).toThrow(/outside the exact range/);
  });

  it('loads and stores from threads go through the same bytes', () => {
    const m = machine(2);
    const a = m.alloc(8);
    runOn(m, 1, function* () {
      yield* m.store16(a, 0xbeef);
      yield* m.store8(a + 2, 0x1ff); // truncated like stb
    });
    const { value } = runOn(m, 0, function* () {
      return [yield* m.load16(a), yield* m.load8(a + 2), yield* m.load32(a)];
    });
    expect(value).toEqual([0xbeef, 0xff, 0xbeefff00]);
  });

  it('maps one processor-specific address to a different page on each CPU', () => {
    const m = machine(4);
    const p = m.allocPspecific(8, { name: 'activeThrdCnt' });
    expect(p).toBe(KERNEL_PSPECIFIC_BASE);
    const g = m.alloc(8);
    expect(g).toBe(KERNEL_BASE);
    for (let c = 0; c < 4; c++) {
      m.spawn(`w${c}`, function* () {
        yield* m.store64(p, 100 + c);
        yield* m.store64(g + 0, 0); // global: same for all
      }, { cpu: c });
    }
    m.run();
    const seen: number[] = [];
    for (let c = 0; c < 4; c++) {
      m.spawn(`r${c}`, function* () {
        seen[c] = yield* m.load64(p);
      }, { cpu: c });
    }
    m.run();
    expect(seen).toEqual([100, 101, 102, 103]);
    expect([0, 1, 2, 3].map((c) => m.peek64(p, c))).toEqual([100, 101, 102, 103]);
    expect(new Set([0, 1, 2, 3].map((c) => m.lineOf(p, c))).size).toBe(4);
    expect(m.lineOf(g, 0)).toBe(m.lineOf(g, 3));
  });

  it('allocates zeroed, aligned memory and records names', () => {
    const m = machine(1);
    const a = m.alloc(3, { name: 'a' });
    const b = m.alloc(8, { align: 128, name: 'b' });
    expect(b % 128).toBe(0);
    expect(b).toBeGreaterThan(a);
    const big = m.alloc(3 * 4096 + 5, { name: 'big' });
    expect(m.peek64(big + 3 * 4096 - 8)).toBe(0);
    expect(m.allocations().map((x) => x.name)).toEqual(['a', 'b', 'big']);
    expect(() => m.alloc(8, { align: 3 })).toThrow(/power of two/);
  });

  it('faults on unmapped and misaligned addresses', () => {
    const m = machine(1);
    const a = m.alloc(16);
    expect(() => m.peek64(a + 4096 * 10)).toThrow(MachineFault);
    expect(() => m.peek64(0x1000)).toThrow(/not mapped/);
    expect(() => m.peek32(a + 2)).toThrow(/alignment/);
    expect(() => m.poke64(KERNEL_PSPECIFIC_BASE, 1)).toThrow(/not mapped/);
  });

  it('refuses timed operations outside a simulated thread', () => {
    const m = machine(1);
    const a = m.alloc(8);
    expect(() => m.load64(a).next()).toThrow(/outside a simulated thread/);
  });

  it('runs out of modelled physical memory with a clear error', () => {
    const m = machine(2, { memoryBytes: 8 * 4096 });
    m.alloc(4 * 4096);
    expect(() => m.allocPspecific(3 * 4096)).toThrow(/out of modelled physical memory/);
  });
});
