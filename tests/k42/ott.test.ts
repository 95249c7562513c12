import { describe, it, expect } from 'vitest';
import { DeletedObjectError, type CORef } from '../../src/k42/index.ts';
import { CounterRep, CounterRoot, ServiceRoot, setup, type ServiceRep } from './helpers.ts';

describe('object translation', () => {
  it('dispatches each CPU to its own rep of a multi-rep object through one CORef', () => {
    const { m, cos } = setup(4);
    const root = new CounterRoot(cos);
    const seen: number[] = [];
    for (let c = 0; c < 4; c++) {
      cos.spawnRequest(`c${c}`, function* () {
        const rep = yield* cos.DREF(root.ref);
        seen[c] = yield* rep.whoAmI();
        yield* rep.inc();
      }, { cpu: c });
    }
    m.run();
    expect(seen).toEqual([0, 1, 2, 3]);
    for (let c = 0; c < 4; c++) expect(cos.ott.installedOn(root.ref, c)).toBe(root.repOn(c));
    expect(new Set(root.reps()).size).toBe(4);
  });

  it('creates a rep lazily on the first miss, once per CPU', () => {
    const { m, cos } = setup(2);
    const root = new CounterRoot(cos);
    expect(root.repsCreated).toBe(0);
    expect(cos.ott.isDefault(root.ref, 0) && cos.ott.isDefault(root.ref, 1)).toBe(true);
    for (let i = 0; i < 6; i++) {
      cos.spawnRequest(`c${i}`, function* () {
        const rep = yield* cos.DREF(root.ref);
        yield* rep.inc();
      }, { cpu: i % 2 });
    }
    m.run();
    expect(root.repsCreated).toBe(2);
    expect(cos.ott.misses).toBe(2);
    expect(root.repOn(0)!.count + root.repOn(1)!.count).toBe(6);
    expect(root.getTransSet().members()).toEqual([0, 1]);
  });

  it('costs exactly one dependent load over a direct call', () => {
    const { m, cos } = setup(1);
    const root = new CounterRoot(cos);
    let direct = 0;
    let viaOtt = 0;
    let miss = 0;
    cos.spawnRequest('c', function* () {
      let t0 = m.engine.now;
      const r0 = yield* cos.DREF(root.ref); // miss: creates and installs the rep
      miss = m.engine.now - t0;
      yield* r0.inc(); // warm
      t0 = m.engine.now;
      const rep = yield* cos.DREF(root.ref);
      yield* rep.inc();
      viaOtt = m.engine.now - t0;
      t0 = m.engine.now;
      yield* rep.inc();
      direct = m.engine.now - t0;
    }, { cpu: 0 });
    m.run();
    expect(viaOtt - direct).toBe(m.costs.l1Hit);
    expect(miss).toBeGreaterThan(viaOtt);
  });

  it('computes refToVP from the partition the ref came from', () => {
    const { cos } = setup(4);
    for (let vp = 0; vp < 4; vp++) {
      const r = new CounterRoot(cos, { vp });
      expect(cos.ott.refToVP(r.ref)).toBe(vp);
      expect(cos.ott.globalToLocal(cos.ott.localToGlobal(r.ref))).toBe(r.ref);
    }
  });

  it('turns a call on a destroyed object into DeletedObjectError', () => {
    const { m, cos } = setup(1);
    const root = new ServiceRoot(cos, 'svc', 1);
    let err: unknown;
    cos.spawnRequest('c', function* () {
      yield* cos.destroyCO(root.ref, root);
      try {
        yield* cos.DREF(root.ref as CORef<ServiceRep>);
      } catch (e) {
        err = e;
      }
    });
    m.run();
    expect(err).toBeInstanceOf(DeletedObjectError);
    void CounterRep;
  });
});
