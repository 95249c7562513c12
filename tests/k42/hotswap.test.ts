import { describe, it, expect } from 'vitest';
import { sleep, type Sim } from '../../src/sim/index.ts';
import { dtTypeSet, DTT_COUNTER_LOCAL, DTT_TEST, DTT_NULL_SWAP, type SwitchResult, type CORef } from '../../src/k42/index.ts';
import { CounterRoot, ServiceRoot, setup, type ServiceRep } from './helpers.ts';

interface Scenario {
  cpus: number;
  seed: number;
  clientsPerCpu: number;
  callsPerClient: number;
  perturb?: boolean;
}

/** Clients on every CPU call svc v1 while a switch to v2 runs; returns what the oracles saw. */
function runSwap(s: Scenario) {
  const { m, e, cos } = setup(s.cpus, s.seed, { perturb: s.perturb ?? true, trace: true });
  const otherTids = new Set<number>();
  const log: { id: number; version: number }[] = [];
  const v1 = new ServiceRoot(cos, 'svc.v1', 1, { log });
  const ref = v1.ref as CORef<ServiceRep>;
  const other = new CounterRoot(cos);
  let issued = 0;
  let completed = 0;
  const insideAtTransfer: number[] = [];
  const insideAtCompleted: number[] = [];
  let otherMaxLatency = 0;
  let result: SwitchResult | null = null;
  let v2: ServiceRoot | null = null;
  let swapEnd = Infinity;
  for (let c = 0; c < s.cpus; c++) {
    for (let k = 0; k < s.clientsPerCpu; k++) {
      const nth = c * s.clientsPerCpu + k;
      e.spawn(`client${c}.${k}`, function* (): Sim<void> {
        for (let i = 0; i < s.callsPerClient; i++) {
          // each call is one short K42 request
          yield* cos.atc.activate();
          const id = issued++;
          const svc = yield* cos.DREF(ref);
          if ((nth + i) % 5 === 0) yield* svc.recurse(id, 2, 800 + e.rng.int(800));
          else yield* svc.op(id, 1_000 + e.rng.int(3_000));
          completed++;
          yield* cos.atc.deactivate();
          yield* sleep(200 + e.rng.int(1_500));
        }
      }, { cpu: c });
    }
    // a client of another object: it must never wait for the swap
    const ot = e.spawn(`other${c}`, function* (): Sim<void> {
      for (let i = 0; i < s.callsPerClient * 3; i++) {
        yield* cos.atc.activate();
        const t0 = e.now;
        const ctr = yield* cos.DREF(other.ref);
        yield* ctr.inc();
        const dt = e.now - t0;
        if (e.now < swapEnd && dt > otherMaxLatency && i > 0) otherMaxLatency = dt;
        yield* cos.atc.deactivate();
        yield* sleep(500 + e.rng.int(1_000));
      }
    }, { cpu: c });
    otherTids.add(ot.id);
  }
  cos.spawnRequest('switcher', function* () {
    yield* sleep(8_000);
    v2 = new ServiceRoot(cos, 'svc.v2', 2, { ref, log });
    result = yield* cos.switchCObj(ref, v2, 'destroyWhenDone', {
      onPhase(p) {
        if (p === 'transfer') insideAtTransfer.push(e.threadsInside('svc.v1').length);
        if (p === 'completed') insideAtCompleted.push(e.threadsInside('svc.v1').length);
      },
    });
    swapEnd = e.now;
  }, { cpu: 0 });
  m.run();
  const otherBlocks = e.trace!.events.filter((ev) => ev.type === 'block' && otherTids.has(ev.tid)).length;
  return { otherBlocks, m, e, cos, log, issued, completed, insideAtTransfer, insideAtCompleted, result: result as SwitchResult | null, v1, v2: v2 as ServiceRoot | null, otherMaxLatency, ref };
}

describe('hot-swap (switchCObj)', () => {
  const seeds = [1, 2, 3, 4, 5, 6];
  for (const seed of seeds) {
    it(`keeps every invariant under concurrent calls (4 CPUs, seed ${seed})`, () => {
      const r = runSwap({ cpus: 4, seed, clientsPerCpu: 3, callsPerClient: 12 });
      const res = r.result!;
      expect(res.ok).toBe(true);
      // exactly once: every issued call completed once, in old or new
      expect(r.completed).toBe(r.issued);
      const ids = r.log.map((x) => x.id).sort((a, b) => a - b);
      expect(ids).toEqual(Array.from({ length: r.issued }, (_, i) => i));
      // quiescence against ground truth
      expect(r.insideAtTransfer).toEqual([0]);
      expect(r.insideAtCompleted).toEqual([0]);
      // phases in K42's order
      expect(res.phases.map((p) => p.phase)).toEqual(['forward', 'block', 'transfer', 'completed']);
      // old before, new after: no v1 call after a v2 call has started
      const firstV2 = r.log.findIndex((x) => x.version === 2);
      expect(firstV2).toBeGreaterThan(0);
      expect(r.log.slice(firstV2).every((x) => x.version === 2)).toBe(true);
      // state moved with the negotiated type
      expect(r.v2!.transfers).toEqual([DTT_TEST]);
      expect(r.v2!.state.calls).toBe(r.log.filter((x) => x.version === 2).length + r.log.filter((x) => x.version === 1).length);
      // blocked calls resumed on the new object
      expect(res.resumed).toBe(res.blocked);
      // other objects are never held up
      expect(r.otherBlocks).toBe(0);
      expect(res.blocked + res.forwarded).toBeGreaterThan(0);
      // the old root is destroyed after the switch, deferred
      expect(r.v1.therep.freed).toBe(true);
      expect(r.cos.ott.missHandlerOf(r.ref)).toBe(r.v2);
    });
  }

  it('forwards same-thread recursion in BLOCK instead of blocking it', () => {
    const { m, e, cos } = setup(2, 7, { perturb: false });
    const log: { id: number; version: number }[] = [];
    const v1 = new ServiceRoot(cos, 'svc.v1', 1, { log });
    const ref = v1.ref as CORef<ServiceRep>;
    let res: SwitchResult | null = null;
    let deep = -1;
    // installs v1 on CPU 1, and stays active long enough to hold CPU 1 in FORWARD
    cos.spawnRequest('holder', function* () {
      yield* (yield* cos.DREF(ref)).op(0, 100);
      yield* sleep(100_000);
    }, { cpu: 1 });
    cos.spawnRequest('switcher', function* () {
      yield* sleep(5_000);
      res = yield* cos.switchCObj(ref, new ServiceRoot(cos, 'svc.v2', 2, { ref, log }), 'doNotDestroy');
    }, { cpu: 0 });
    // enters through the mediator in FORWARD, after CPU 1's generation moved on,
    // and recurses while CPU 1 goes to BLOCK
    e.spawn('recursive', function* (): Sim<void> {
      yield* sleep(30_000);
      yield* cos.atc.activate();
      deep = yield* (yield* cos.DREF(ref)).recurse(1, 4, 60_000, true);
      yield* cos.atc.deactivate();
    }, { cpu: 1 });
    e.spawn('late', function* (): Sim<void> {
      yield* sleep(130_000);
      yield* cos.atc.activate();
      yield* (yield* cos.DREF(ref)).op(2, 100);
      yield* cos.atc.deactivate();
    }, { cpu: 1 });
    m.run();
    const r = res as SwitchResult | null;
    expect(r?.ok).toBe(true);
    expect(deep).toBe(1);
    expect(r!.recursionForwarded).toBeGreaterThan(0);
    expect(r!.blocked).toBeGreaterThan(0);
    expect(log.find((x) => x.id === 2)?.version).toBe(2);
    expect(v1.therep.freed).toBe(false); // doNotDestroy
  });

  it('negotiates the lowest common transfer type', () => {
    const { m, cos } = setup(2, 1);
    const v1 = new ServiceRoot(cos, 'a', 1, { exports: dtTypeSet(DTT_TEST, DTT_COUNTER_LOCAL, DTT_NULL_SWAP) });
    const v2 = new ServiceRoot(cos, 'b', 2, { ref: v1.ref, imports: dtTypeSet(DTT_TEST, DTT_NULL_SWAP) });
    let r: SwitchResult | null = null;
    cos.spawnRequest('s', function* () {
      r = yield* cos.switchCObj(v1.ref, v2);
    });
    m.run();
    expect((r as SwitchResult | null)?.dtt).toBe(DTT_NULL_SWAP);
    expect(v2.transfers).toEqual([DTT_NULL_SWAP]);
  });

  it('fails cleanly with no common type: the old object keeps serving', () => {
    const { m, cos } = setup(2, 1);
    const log: { id: number; version: number }[] = [];
    const v1 = new ServiceRoot(cos, 'a', 1, { log, exports: dtTypeSet(DTT_COUNTER_LOCAL) });
    const v2 = new ServiceRoot(cos, 'b', 2, { ref: v1.ref, log, imports: dtTypeSet(DTT_TEST) });
    let r: SwitchResult | null = null;
    cos.spawnRequest('s', function* () {
      yield* (yield* cos.DREF(v1.ref)).op(1, 10);
      r = yield* cos.switchCObj(v1.ref, v2);
      yield* (yield* cos.DREF(v1.ref)).op(2, 10);
    });
    m.run();
    const res = r as SwitchResult | null;
    expect(res?.ok).toBe(false);
    expect(res?.error).toMatch(/no common transfer type/);
    expect(log).toEqual([{ id: 1, version: 1 }, { id: 2, version: 1 }]);
    expect(cos.ott.missHandlerOf(v1.ref)).toBe(v1);
    expect(v2.transfers).toEqual([]);
  });

  it('refuses a second switch of an object that is switching', () => {
    const { m, cos } = setup(2, 1);
    const v1 = new ServiceRoot(cos, 'a', 1);
    const rs: SwitchResult[] = [];
    cos.spawnRequest('warm', function* () {
      yield* (yield* cos.DREF(v1.ref)).op(1, 10);
    }, { cpu: 1 });
    for (const c of [0, 1]) {
      cos.spawnRequest(`s${c}`, function* () {
        yield* sleep(5_000);
        rs.push(yield* cos.switchCObj(v1.ref, new ServiceRoot(cos, `b${c}`, 2, { ref: v1.ref })));
      }, { cpu: c });
    }
    m.run();
    expect(rs.map((r) => r.ok).sort()).toEqual([false, true]);
  });
});
