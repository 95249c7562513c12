import { describe, it, expect } from 'vitest';
import { sleep, type Sim } from '../../src/sim/index.ts';
import { ServiceRoot, setup } from './helpers.ts';

describe('generation counts', () => {
  it('does not elapse a marker while a thread of its generation lives, and does after it deactivates', () => {
    const { m, cos } = setup(1, 1, { cleanupDaemons: false });
    const atc = cos.atc;
    let marker = -1;
    const whileAlive: boolean[] = [];
    let after = false;
    let genAtEnd = 0;
    // the long request: active across the marker
    cos.spawnRequest('long', function* () {
      yield* sleep(100_000);
    }, { cpu: 0 });
    cos.hw.engine.spawn('checker', function* (): Sim<void> {
      yield 1_000;
      marker = yield* atc.setVPThreadMarker();
      for (let i = 0; i < 5; i++) {
        whileAlive.push(yield* atc.updateAndCheckVPThreadMarker(marker));
        yield* sleep(10_000);
      }
      yield* sleep(100_000); // long has deactivated by now
      after = yield* atc.updateAndCheckVPThreadMarker(marker);
      genAtEnd = atc.genCount(0);
    }, { cpu: 0 });
    m.run();
    expect(whileAlive).toEqual([false, false, false, false, false]);
    expect(after).toBe(true);
    expect(genAtEnd - marker).toBeGreaterThanOrEqual(2);
  });

  it('is not held back by threads activated in a later generation than the marker', () => {
    const { m, cos } = setup(1, 3, { cleanupDaemons: false });
    const atc = cos.atc;
    let elapsed = false;
    cos.hw.engine.spawn('checker', function* (): Sim<void> {
      const marker = yield* atc.setVPThreadMarker();
      expect(yield* atc.advance()).toBe(true); // the VP moves to the next generation
      // a request that starts in that generation and outlives the check
      cos.spawnRequest('late', function* () {
        yield* sleep(1_000_000);
      }, { cpu: 0 });
      yield* sleep(1_000);
      elapsed = yield* atc.updateAndCheckVPThreadMarker(marker);
    }, { cpu: 0 });
    m.run();
    expect(elapsed).toBe(true);
  });

  it('keeps the counts consistent under many short requests on several CPUs', () => {
    for (const seed of [1, 2, 3]) {
      const { m, cos } = setup(3, seed, { cleanupDaemons: false, perturb: true });
      for (let i = 0; i < 30; i++) {
        cos.spawnRequest(`r${i}`, function* () {
          yield 500 + (i % 7) * 300;
          if (i % 5 === 0) yield* cos.atc.updateTheGen();
        }, { cpu: i % 3 });
      }
      m.run();
      for (let c = 0; c < 3; c++) {
        const s = cos.atc.peekSlots(c);
        // every request deactivated: nothing counted in either generation
        const live = s.activations * 2 + (s.activeCnt[0] & ~1) + (s.activeCnt[1] & ~1);
        expect(live).toBe(0);
      }
    }
  });
});

describe('token and deferred deletion', () => {
  it('circulates the token around every CPU while work is pending', () => {
    const { m, cos } = setup(4, 1);
    const root = new ServiceRoot(cos, 'svc', 1);
    // installed on CPUs 0 and 2: a remote delete, which needs the token twice around
    for (const c of [0, 2]) {
      cos.spawnRequest(`use${c}`, function* () {
        yield* (yield* cos.DREF(root.ref)).op(c, 100);
      }, { cpu: c });
    }
    cos.spawnRequest('destroyer', function* () {
      yield* sleep(10_000);
      yield* cos.destroyCO(root.ref, root);
    }, { cpu: 0 });
    m.run();
    expect(cos.gc.handoffs).toBeGreaterThanOrEqual(8);
    expect(cos.gc.tokenLog.slice(0, 8)).toEqual([1, 2, 3, 0, 1, 2, 3, 0]);
    expect(cos.gc.globalGen).toBeGreaterThanOrEqual(2);
    expect(root.therep.freed).toBe(true);
    expect(cos.gc.freed).toBe(1);
    expect(cos.gc.pending).toBe(0);
  });

  it('frees a destroyed object only after threads that could hold it have finished', () => {
    for (const cpus of [1, 3]) {
      const { m, cos } = setup(cpus, 5);
      const root = new ServiceRoot(cos, 'svc', 1);
      const e = m.engine;
      let freedWhileInUse: boolean | null = null;
      let freedAt = -1;
      let userDone = -1;
      // a user that got the rep before the destroy and keeps calling it
      cos.spawnRequest('user', function* () {
        const rep = yield* cos.DREF(root.ref);
        for (let i = 0; i < 10; i++) {
          yield* rep.op(i, 20_000);
          if (root.therep.freed) freedWhileInUse = true;
        }
        userDone = e.now;
      }, { cpu: cpus - 1 });
      cos.spawnRequest('destroyer', function* () {
        yield 5_000;
        yield* cos.destroyCO(root.ref, root);
      }, { cpu: 0 });
      e.spawn('watch', function* (): Sim<void> {
        while (!root.therep.freed) yield* sleep(1_000);
        freedAt = e.now;
      }, { cpu: 0 });
      m.run();
      expect(freedWhileInUse).toBe(null);
      expect(root.therep.freed).toBe(true);
      expect(freedAt).toBeGreaterThan(userDone);
      expect(cos.gc.freed).toBe(1);
    }
  });
});
