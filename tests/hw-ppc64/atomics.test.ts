import { describe, expect, it } from 'vitest';
import { compareAndStore, fetchAdd, Machine, swap } from '../../src/hw-ppc64/index.ts';
import { fetchAddCost, machine, runOn } from './helpers.ts';

describe('lwarx / stwcx.', () => {
  it('a stwcx. with an intact reservation succeeds', () => {
    const m = machine(1);
    const a = m.alloc(8);
    const { value } = runOn(m, 0, function* () {
      const v = yield* m.lwarx(a);
      return [v, yield* m.stwcx(a, v + 7)];
    });
    expect(value).toEqual([0, true]);
    expect(m.peek32(a)).toBe(7);
    expect(m.hasReservation(0)).toBe(false);
  });

  it("another CPU's store between lwarx and stwcx. kills the reservation", () => {
    const m = machine(2);
    const a = m.alloc(8, { align: 128 });
    let ok: boolean | undefined;
    m.spawn('reserver', function* () {
      yield* m.lwarx(a); // at cycle ~2000
      yield 5000; // the other CPU stores meanwhile
      ok = yield* m.stwcx(a, 1);
    }, { cpu: 0 });
    m.spawn('storer', function* () {
      yield 3000;
      yield* m.store32(a + 4, 99); // another word of the same line (the granule)
    }, { cpu: 1 });
    m.run();
    expect(ok).toBe(false);
    expect(m.peek32(a)).toBe(0);
    expect(m.counters[0]!.stcxFail).toBe(1);
  });

  it("another CPU's load, or a store to another line, leaves it intact", () => {
    const m = machine(2);
    const a = m.alloc(256, { align: 128 });
    let ok: boolean | undefined;
    m.spawn('reserver', function* () {
      yield* m.lwarx(a);
      yield 5000;
      ok = yield* m.stwcx(a, 1);
    }, { cpu: 0 });
    m.spawn('other', function* () {
      yield 3000;
      yield* m.load32(a);
      yield* m.store32(a + 128, 5);
    }, { cpu: 1 });
    m.run();
    expect(ok).toBe(true);
  });

  it('a stwcx. to another line fails, and the reservation does not survive a thread switch', () => {
    const m = machine(1);
    const a = m.alloc(256, { align: 128 });
    expect(runOn(m, 0, function* () {
      yield* m.lwarx(a);
      return yield* m.stwcx(a + 128, 1);
    }).value).toBe(false);
    // thread A reserves; thread B on the same CPU must not complete A's sequence
    let bOk: boolean | undefined;
    m.spawn('A', function* () {
      yield* m.lwarx(a);
      yield { kind: 'yield' };
    }, { cpu: 0 });
    m.spawn('B', function* () {
      bOk = yield* m.stwcx(a, 3);
    }, { cpu: 0 });
    m.run();
    expect(bOk).toBe(false);
  });

  it('ldarx/stdcx. work on doublewords', () => {
    const m = machine(1);
    const a = m.alloc(8);
    m.poke64(a, 2 ** 40);
    const { value } = runOn(m, 0, function* () {
      const v = yield* m.ldarx(a);
      return yield* m.stdcx(a, v + 1);
    });
    expect(value).toBe(true);
    expect(m.peek64(a)).toBe(2 ** 40 + 1);
  });
});

describe('fetchAdd and compareAndStore', () => {
  it.each([
    [4, 4, 1],
    [8, 8, 3],
    [12, 3, 5],
    [16, 16, 2],
  ])('%i threads on %i CPUs (seed %i, perturbed) end at exactly the right count', (threads, cpus, seed) => {
    const m = new Machine({ cpus, model: 'ppc970', seed, perturb: { preemptProbability: 0.05, maxDelayCycles: 50 } });
    const word = m.alloc(8, { align: 128 });
    const dword = m.alloc(8, { align: 128 });
    const per = 150;
    for (let t = 0; t < threads; t++) {
      m.spawn(`adder${t}`, function* () {
        for (let i = 0; i < per; i++) {
          yield* m.fetchAdd(dword, 2);
          yield* fetchAdd(m, word, 1, 4);
        }
      });
    }
    m.run();
    expect(m.peek64(dword)).toBe(2 * threads * per);
    expect(m.peek32(word)).toBe(threads * per);
    // with threads sharing CPUs, preemption between ldarx and stdcx. forces retries
    if (threads > cpus) expect(m.totals().stcxFail).toBeGreaterThan(0);
  });

  it('retries a fetchAdd whose reservation a false-sharing store killed, losing nothing', () => {
    // perturbation delays open the window between ldarx and stdcx.
    const m = machine(4, { seed: 7, perturb: { preemptProbability: 0.3, maxDelayCycles: 200 } });
    const line = m.alloc(128, { align: 128 });
    const ops = 300;
    for (let c = 0; c < 2; c++) {
      m.spawn(`adder${c}`, function* () {
        for (let i = 0; i < ops; i++) yield* m.fetchAdd(line, 1);
      }, { cpu: c });
    }
    for (let c = 2; c < 4; c++) {
      m.spawn(`writer${c}`, function* () {
        for (let i = 0; i < ops; i++) {
          yield* m.store64(line + 8 * c, i); // another word of the same line
          yield 37 + c;
        }
      }, { cpu: c });
    }
    m.run();
    expect(m.peek64(line)).toBe(2 * ops);
    const fails = m.counters[0]!.stcxFail + m.counters[1]!.stcxFail;
    expect(fails).toBeGreaterThan(0);
    expect(m.counters[0]!.stcx + m.counters[1]!.stcx).toBe(2 * ops);
  });

  it('32-bit fetchAdd wraps modulo 2^32', () => {
    const m = machine(1);
    const a = m.alloc(4);
    m.poke32(a, 0xffffffff);
    expect(runOn(m, 0, () => fetchAdd(m, a, 2, 4)).value).toBe(0xffffffff);
    expect(m.peek32(a)).toBe(1);
  });

  it('compareAndStore stores only on a match; concurrent CAS increments lose nothing', () => {
    const m = machine(4);
    const a = m.alloc(8, { align: 128 });
    expect(runOn(m, 0, () => m.compareAndStore(a, 1, 5)).value).toBe(false);
    expect(m.peek64(a)).toBe(0);
    expect(runOn(m, 0, () => m.compareAndStore(a, 0, 5)).value).toBe(true);
    expect(m.peek64(a)).toBe(5);
    for (let c = 0; c < 4; c++) {
      m.spawn(`cas${c}`, function* () {
        for (let i = 0; i < 50; i++) {
          for (;;) {
            const v = yield* m.load64(a);
            if (yield* compareAndStore(m, a, v, v + 1)) break;
          }
        }
      }, { cpu: c });
    }
    m.run();
    expect(m.peek64(a)).toBe(205);
    expect(runOn(m, 0, () => swap(m, a, 9)).value).toBe(205);
    expect(m.peek64(a)).toBe(9);
  });

  it('the Synced variants add sync before and isync after', () => {
    const m = machine(1);
    const a = m.alloc(8);
    runOn(m, 0, () => m.fetchAdd(a, 1)); // warm the line
    const plain = runOn(m, 0, () => m.fetchAdd(a, 1)).cycles;
    const synced = runOn(m, 0, () => m.fetchAddSynced(a, 1)).cycles;
    expect(plain).toBe(m.costs.larx + m.costs.alu + m.costs.stcx);
    expect(synced - plain).toBe(m.costs.sync + m.costs.isync);
    const cas = runOn(m, 0, () => m.compareAndStoreSynced(a, 3, 4));
    expect(cas.value).toBe(true);
    expect(cas.cycles).toBe(m.costs.sync + plain + m.costs.isync);
  });

  it('one shared line costs at least 5x more per fetchAdd than one line per CPU at 8 CPUs', () => {
    const shared = fetchAddCost(8, true, 100);
    const perCpu = fetchAddCost(8, false, 100);
    expect(shared.final).toEqual([800]);
    expect(perCpu.final).toEqual(Array(8).fill(100));
    expect(shared.perOp).toBeGreaterThan(perCpu.perOp);
    expect(shared.perOp / perCpu.perOp).toBeGreaterThanOrEqual(5);
  });

  it('the shared-line cost rises with CPUs while the per-CPU cost stays flat', () => {
    const counts = [1, 2, 4, 8, 16];
    const shared = counts.map((n) => fetchAddCost(n, true, 60).perOp);
    const per = counts.map((n) => fetchAddCost(n, false, 60).perOp);
    for (let i = 1; i < counts.length; i++) expect(shared[i]!).toBeGreaterThan(shared[i - 1]!);
    for (const p of per) expect(p).toBe(per[0]);
    expect(shared[0]).toBe(per[0]);
  });

  it('a contended line is handed round fairly: no CPU starves', () => {
    const m = machine(8);
    const a = m.alloc(8, { align: 128 });
    const ends: number[] = [];
    for (let c = 0; c < 8; c++) {
      m.spawn(`adder${c}`, function* () {
        for (let i = 0; i < 100; i++) yield* m.fetchAdd(a, 1);
        ends[c] = m.engine.now;
      }, { cpu: c });
    }
    m.run();
    expect(m.peek64(a)).toBe(800);
    expect(Math.max(...ends) / Math.min(...ends)).toBeLessThan(1.1);
  });

  it('is deterministic: same seed, same cycles', () => {
    expect(fetchAddCost(8, true, 50)).toEqual(fetchAddCost(8, true, 50));
  });
});
