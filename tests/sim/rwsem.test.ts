import { describe, it, expect } from 'vitest';
import { Engine, RwSemaphore, sleep, type Sim } from '../../src/sim/index.ts';

/** Run `steps` on threads spawned in order (one CPU each unless given); returns the log. */
function scenario(cpus: number, build: (e: Engine, sem: RwSemaphore, log: string[]) => void): { log: string[]; e: Engine; sem: RwSemaphore } {
  const e = new Engine({ cpus, seed: 1, costs: { contextSwitch: 0 } });
  const sem = new RwSemaphore(e, 'test');
  const log: string[] = [];
  build(e, sem, log);
  e.run();
  return { log, e, sem };
}

function* reader(e: Engine, sem: RwSemaphore, log: string[], name: string, start: number, hold: number): Sim<void> {
  if (start) yield* sleep(start);
  yield* sem.down_read();
  log.push(`${name}+${e.now}`);
  yield* sleep(hold);
  log.push(`${name}-${e.now}`);
  yield* sem.up_read();
}

function* writer(e: Engine, sem: RwSemaphore, log: string[], name: string, start: number, hold: number): Sim<void> {
  if (start) yield* sleep(start);
  yield* sem.down_write();
  log.push(`${name}+${e.now}`);
  yield* sleep(hold);
  log.push(`${name}-${e.now}`);
  yield* sem.up_write();
}

describe('RwSemaphore', () => {
  it('lets readers share it: four readers on four CPUs overlap', () => {
    const { log, sem } = scenario(4, (e, sem, log) => {
      for (let i = 0; i < 4; i++) e.spawn(`r${i}`, () => reader(e, sem, log, `r${i}`, 0, 10_000), { cpu: i });
    });
    const enters = log.filter((l) => l.includes('+')).map((l) => Number(l.split('+')[1]));
    const exits = log.filter((l) => l.includes('-')).map((l) => Number(l.split('-')[1]));
    // every reader is in before the first one leaves
    expect(Math.max(...enters)).toBeLessThan(Math.min(...exits));
    expect(sem.locked).toBe(false);
    expect(sem.contended).toBe(0);
  });

  it('gives a writer the semaphore alone', () => {
    const { log } = scenario(3, (e, sem, log) => {
      e.spawn('w', () => writer(e, sem, log, 'w', 0, 10_000), { cpu: 0 });
      e.spawn('r1', () => reader(e, sem, log, 'r1', 100, 1000), { cpu: 1 });
      e.spawn('r2', () => reader(e, sem, log, 'r2', 200, 1000), { cpu: 2 });
    });
    const wOut = Number(log.find((l) => l.startsWith('w-'))!.slice(2));
    for (const r of ['r1', 'r2']) expect(Number(log.find((l) => l.startsWith(`${r}+`))!.slice(3))).toBeGreaterThanOrEqual(wOut);
    // both readers were granted together at the writer's release
    expect(log.find((l) => l.startsWith('r1+'))!.slice(3)).toBe(log.find((l) => l.startsWith('r2+'))!.slice(3));
  });

  it('is FIFO: a reader arriving after a waiting writer waits for that writer (no writer starvation)', () => {
    const { log } = scenario(4, (e, sem, log) => {
      e.spawn('r1', () => reader(e, sem, log, 'r1', 0, 10_000), { cpu: 0 });
      e.spawn('w', () => writer(e, sem, log, 'w', 1000, 5000), { cpu: 1 });
      e.spawn('r2', () => reader(e, sem, log, 'r2', 2000, 1000), { cpu: 2 });
      e.spawn('r3', () => reader(e, sem, log, 'r3', 3000, 1000), { cpu: 3 });
    });
    const order = log.filter((l) => l.includes('+')).map((l) => l.split('+')[0]);
    expect(order).toEqual(['r1', 'w', 'r2', 'r3']);
    const at = (p: string): number => Number(log.find((l) => l.startsWith(p))!.slice(p.length));
    expect(at('w+')).toBeGreaterThanOrEqual(at('r1-'));
    expect(at('r2+')).toBeGreaterThanOrEqual(at('w-'));
    // r2 and r3 were handed the semaphore together when the writer left
    expect(at('r3+')).toBeLessThan(at('r2-'));
  });

  it('stops a batch of readers at the first queued writer', () => {
    const { log } = scenario(5, (e, sem, log) => {
      e.spawn('w1', () => writer(e, sem, log, 'w1', 0, 10_000), { cpu: 0 });
      e.spawn('r1', () => reader(e, sem, log, 'r1', 1000, 3000), { cpu: 1 });
      e.spawn('w2', () => writer(e, sem, log, 'w2', 2000, 3000), { cpu: 2 });
      e.spawn('r2', () => reader(e, sem, log, 'r2', 3000, 3000), { cpu: 3 });
    });
    const order = log.filter((l) => l.includes('+')).map((l) => l.split('+')[0]);
    expect(order).toEqual(['w1', 'r1', 'w2', 'r2']);
  });

  it('records holders and waiters for lock-wait chains, and refuses misuse', () => {
    const e = new Engine({ cpus: 2, seed: 1 });
    const sem = new RwSemaphore(e, 'chain');
    let seenWaiters = 0;
    e.spawn('a', function* () {
      yield* sem.down_read();
      expect(e.current!.heldLocks).toContain(sem);
      expect(sem.heldByCaller()).toBe(true);
      yield* sleep(5000);
      seenWaiters = sem.waitingThreads().length;
      yield* sem.up_read();
      expect(e.current!.heldLocks).not.toContain(sem);
      yield* sem.down_write();
      yield* sem.up_write();
    }, { cpu: 0 });
    e.spawn('b', function* () {
      yield* sleep(100);
      yield* sem.lock();
      expect(sem.holder).toBe(e.current);
      yield* sem.unlock();
    }, { cpu: 1 });
    e.run();
    expect(seenWaiters).toBe(1);
    const e2 = new Engine({ cpus: 1, seed: 1 });
    const s2 = new RwSemaphore(e2, 'misuse');
    e2.spawn('x', function* () {
      yield* s2.up_read();
    });
    expect(() => e2.run()).toThrow(/up_read/);
  });

  it('trylock never blocks and fails while a writer holds it or anybody waits', () => {
    const e = new Engine({ cpus: 2, seed: 1 });
    const sem = new RwSemaphore(e, 'try');
    const got: boolean[] = [];
    e.spawn('w', function* () {
      got.push(yield* sem.down_write_trylock());
      yield* sleep(5000);
      yield* sem.up_write();
    }, { cpu: 0 });
    e.spawn('t', function* () {
      yield* sleep(100);
      got.push(yield* sem.down_read_trylock());
      got.push(yield* sem.down_write_trylock());
      yield* sleep(10_000);
      got.push(yield* sem.down_read_trylock());
      yield* sem.up_read();
    }, { cpu: 1 });
    e.run();
    expect(got).toEqual([true, false, false, true]);
  });

  it('a recursive acquisition is a bug the semaphore reports', () => {
    const e = new Engine({ cpus: 1, seed: 1 });
    const sem = new RwSemaphore(e, 'rec');
    e.spawn('x', function* () {
      yield* sem.down_read();
      yield* sem.down_read();
    });
    expect(() => e.run()).toThrow(/recursive/);
  });
});
