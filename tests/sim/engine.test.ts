import { describe, it, expect } from 'vitest';
import {
  Engine,
  block,
  sleep,
  yieldCpu,
  DeadlockError,
  InterruptContextError,
  ThreadCrashError,
  ThreadKilled,
  type Sim,
} from '../../src/sim/index.ts';

describe('event ordering', () => {
  it('orders timers at the same time by scheduling sequence', () => {
    const e = new Engine({ cpus: 1 });
    const order: string[] = [];
    for (const n of ['a', 'b', 'c', 'd']) e.after(100, () => order.push(n));
    e.after(50, () => order.push('early'));
    e.run();
    expect(order).toEqual(['early', 'a', 'b', 'c', 'd']);
  });

  it('always advances the CPU with the lowest clock, so CPU clocks are observed in order', () => {
    const e = new Engine({ cpus: 4, seed: 3, costs: { contextSwitch: 0 } });
    const seen: number[] = [];
    for (let c = 0; c < 4; c++) {
      const step = 37 + c * 11; // different step sizes interleave the CPUs
      e.spawn(`w${c}`, function* () {
        for (let i = 0; i < 200; i++) {
          seen.push(e.now);
          yield step;
        }
      }, { cpu: c });
    }
    e.run();
    expect(seen.length).toBe(800);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
  });

  it('gives each CPU its own clock', () => {
    const e = new Engine({ cpus: 2, costs: { contextSwitch: 0 } });
    e.spawn('long', function* () { yield 10_000; }, { cpu: 0 });
    e.spawn('short', function* () { yield 100; }, { cpu: 1 });
    e.run();
    expect(e.cpus[0]!.now).toBe(10_000);
    expect(e.cpus[1]!.now).toBe(100);
    expect(e.makespan).toBe(10_000);
  });
});

describe('wait queues', () => {
  it('wakes waiters in FIFO order, one at a time', () => {
    const e = new Engine({ cpus: 2 });
    const wq = e.waitQueue('q');
    const woke: string[] = [];
    for (const n of ['first', 'second', 'third']) {
      e.spawn(n, function* () {
        yield* block(wq);
        woke.push(n);
      }, { cpu: 0 });
    }
    e.spawn('waker', function* () {
      yield 50_000;
      for (let i = 0; i < 3; i++) {
        wq.wakeOne();
        yield 10_000;
      }
    }, { cpu: 1 });
    e.run();
    expect(woke).toEqual(['first', 'second', 'third']);
  });

  it('wakeAll wakes everyone and a timeout resumes with "timeout"', () => {
    const e = new Engine({ cpus: 1 });
    const wq = e.waitQueue('q');
    const results: string[] = [];
    e.spawn('a', function* () { results.push(yield* block(wq)); });
    e.spawn('b', function* () { results.push(yield* block(wq)); });
    e.spawn('t', function* () { results.push('t:' + (yield* block(e.waitQueue('never'), 500))); });
    e.spawn('w', function* () { yield 100_000; results.push('n=' + wq.wakeAll()); });
    e.run();
    // One CPU: the timeout fires at ~500 cycles but 'w' holds the CPU through its
    // 100k-cycle compute, so 't' runs (first in the run queue) right after 'w'.
    expect(results).toEqual(['n=2', 't:timeout', 'woken', 'woken']);
  });

  it('sleep resumes after the given cycles', () => {
    const e = new Engine({ cpus: 1, costs: { contextSwitch: 0 } });
    let at = -1;
    e.spawn('s', function* () { yield* sleep(12_345); at = e.now; });
    e.run();
    expect(at).toBe(12_345);
  });
});

describe('interrupts', () => {
  it('runs a handler in interrupt context on the chosen CPU', () => {
    const e = new Engine({ cpus: 2, costs: { irqEntry: 0, irqExit: 0 } });
    let ctx: { cpu: number; irq: boolean; at: number } | null = null;
    e.interrupt(1, 5000, 'disk', function* () {
      ctx = { cpu: e.currentCpu, irq: e.inInterrupt, at: e.now };
      yield 10;
    });
    e.run();
    expect(ctx).toEqual({ cpu: 1, irq: true, at: 5000 });
  });

  it('throws when an interrupt handler tries to block', () => {
    const e = new Engine({ cpus: 1 });
    const wq = e.waitQueue('sleepy-lock');
    e.interrupt(0, 100, 'bad-handler', function* () {
      yield* block(wq);
    });
    let err: unknown;
    try {
      e.run();
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(ThreadCrashError);
    expect((err as ThreadCrashError).cause).toBeInstanceOf(InterruptContextError);
    expect(String((err as Error).message)).toMatch(/interrupt context/);
  });

  it('serves the interrupt before the interrupted thread resumes', () => {
    const e = new Engine({ cpus: 1, costs: { contextSwitch: 0, irqEntry: 0, irqExit: 0 } });
    const log: string[] = [];
    e.spawn('worker', function* () {
      for (let i = 0; i < 5; i++) {
        log.push(`w${i}@${e.now}`);
        yield 100;
      }
    });
    e.interrupt(0, 250, 'timer', function* () {
      log.push(`irq@${e.now}`);
      yield 5;
    });
    e.run();
    // The interrupt arrives at 250 while w2's 100-cycle compute runs (computes
    // are atomic); it is served at 300, before w3, which then starts 5 cycles late.
    expect(log).toEqual(['w0@0', 'w1@100', 'w2@200', 'irq@300', 'w3@305', 'w4@405']);
  });
});

describe('deadlock detection', () => {
  it('names every blocked thread and what it waits on', () => {
    const e = new Engine({ cpus: 2 });
    const a = e.waitQueue('lock-A');
    const b = e.waitQueue('lock-B');
    e.spawn('alice', function* () { yield* block(a); });
    e.spawn('bob', function* () { yield* block(b); });
    let err: DeadlockError | undefined;
    try {
      e.run();
    } catch (x) {
      err = x as DeadlockError;
    }
    expect(err).toBeInstanceOf(DeadlockError);
    expect(err!.blocked.map((x) => [x.name, x.waitingOn])).toEqual([
      ['alice', 'wait queue "lock-A"'],
      ['bob', 'wait queue "lock-B"'],
    ]);
    expect(err!.message).toContain('alice');
    expect(err!.message).toContain('lock-B');
  });

  it('does not report daemons as deadlocked', () => {
    const e = new Engine({ cpus: 1 });
    e.spawn('daemon', function* () { yield* block(e.waitQueue('work')); }, { daemon: true });
    expect(e.run().reason).toBe('idle');
  });
});

describe('run limits', () => {
  it('stops at the time limit and resumes where it stopped', () => {
    const e = new Engine({ cpus: 1, costs: { contextSwitch: 0 } });
    let n = 0;
    e.spawn('loop', function* () { for (let i = 0; i < 1000; i++) { n++; yield 100; } });
    const r = e.run({ maxTime: 10_000 });
    expect(r.reason).toBe('time-limit');
    expect(n).toBeLessThan(1000);
    expect(e.run().reason).toBe('idle');
    expect(n).toBe(1000);
  });

  it('stops after the event limit', () => {
    const e = new Engine({ cpus: 1 });
    e.spawn('spin', function* () { for (;;) yield 1; });
    const r = e.run({ maxEvents: 5000 });
    expect(r.reason).toBe('event-limit');
    expect(r.events).toBeLessThanOrEqual(5001);
  });
});

describe('threads', () => {
  it('keeps thread-local storage and a ground-truth frame stack per thread', () => {
    const e = new Engine({ cpus: 2 });
    const inside: string[][] = [];
    function* modCall(mod: string, fn: string, body: () => Sim<void>): Sim<void> {
      const me = e.current!;
      me.pushFrame(mod, fn);
      try {
        yield* body();
      } finally {
        me.popFrame(mod);
      }
    }
    const gate = e.waitQueue('gate');
    const t1 = e.spawn('reader', function* () {
      e.current!.tls.set('who', 'reader');
      yield* modCall('ext3', 'read', function* () { yield* block(gate); });
    }, { cpu: 0 });
    e.spawn('observer', function* () {
      yield 100_000;
      inside.push(e.threadsInside('ext3').map((t) => `${t.name}:${t.frameIn('ext3')!.fn}`));
      gate.wakeAll();
      yield 100_000;
      inside.push(e.threadsInside('ext3').map((t) => t.name));
    }, { cpu: 1 });
    e.run();
    expect(t1.tls.get('who')).toBe('reader');
    expect(inside).toEqual([['reader:read'], []]);
  });

  it('join waits for the result; yield lets a peer run', () => {
    const e = new Engine({ cpus: 1, costs: { contextSwitch: 0 } });
    const order: string[] = [];
    const child = e.spawn('child', function* () {
      order.push('child-1');
      yield* yieldCpu();
      order.push('child-2');
      return 42;
    });
    let got: unknown;
    e.spawn('parent', function* () {
      order.push('parent');
      got = yield* e.join(child);
    });
    e.run();
    expect(order).toEqual(['child-1', 'parent', 'child-2']);
    expect(got).toBe(42);
  });

  it('kill throws ThreadKilled into a blocked thread so its finally runs', () => {
    const e = new Engine({ cpus: 1 });
    const wq = e.waitQueue('mediator');
    let cleaned = false;
    let caught: unknown;
    const victim = e.spawn('victim', function* () {
      try {
        yield* block(wq);
      } catch (x) {
        caught = x;
        throw x;
      } finally {
        cleaned = true;
      }
    });
    e.spawn('killer', function* () { yield 1000; e.kill(victim); });
    e.run();
    expect(cleaned).toBe(true);
    expect(caught).toBeInstanceOf(ThreadKilled);
    expect(victim.done).toBe(true);
    expect(wq.length).toBe(0);
  });

  it('preempts a thread after its quantum when another waits', () => {
    const e = new Engine({ cpus: 1, costs: { quantum: 1000, contextSwitch: 0 } });
    const log: string[] = [];
    for (const n of ['a', 'b']) {
      e.spawn(n, function* () {
        for (let i = 0; i < 4; i++) {
          log.push(n);
          yield 600;
        }
      });
    }
    e.run();
    expect(log.join('')).toBe('aabbaabb');
  });

  it('reports a crashing thread by name', () => {
    const e = new Engine({ cpus: 1 });
    e.spawn('crasher', function* () { yield 1; throw new Error('boom'); });
    expect(() => e.run()).toThrow(/crasher.*boom/);
  });
});
