import { describe, expect, it } from 'vitest';
import { InterruptContextError, ThreadCrashError } from '../../src/sim/errors.ts';
import { machine } from './helpers.ts';

describe('inter-processor interrupts', () => {
  it('are delivered in interrupt context on the target after the latency', () => {
    const m = machine(2);
    const flag = m.alloc(8);
    let sentAt = -1;
    let ranAt = -1;
    let ranOn = -1;
    let inIrq = false;
    let senderCharged = -1;
    m.spawn('sender', function* () {
      sentAt = m.engine.now;
      yield* m.sendIpi(1, 'ipi-test', function* () {
        ranAt = m.engine.now;
        ranOn = m.engine.currentCpu;
        inIrq = m.engine.inInterrupt;
        yield* m.store64(flag, 1); // handlers may touch memory
      });
      senderCharged = m.engine.now - sentAt;
    }, { cpu: 0 });
    m.run();
    expect(ranOn).toBe(1);
    expect(inIrq).toBe(true);
    expect(ranAt).toBe(sentAt + m.costs.ipiLatency + m.costs.irqEntry);
    expect(senderCharged).toBe(m.costs.ipiSend);
    expect(m.peek64(flag)).toBe(1);
    expect(m.counters[0]!.ipiSent).toBe(1);
    expect(m.counters[1]!.ipiReceived).toBe(1);
  });

  it('runs ahead of the threads of the target CPU', () => {
    const m = machine(2);
    const order: string[] = [];
    m.spawn('worker', function* () {
      for (let i = 0; i < 10; i++) {
        yield 1000;
        order.push(`w${i}`);
      }
    }, { cpu: 1 });
    m.spawn('sender', function* () {
      yield* m.sendIpi(1, 'kick', function* () {
        order.push('irq');
      });
    }, { cpu: 0 });
    m.run();
    // the IPI arrives 4000 cycles after the sender's first instruction (both start at 2000)
    expect(order.indexOf('irq')).toBeGreaterThan(0);
    expect(order.indexOf('irq')).toBeLessThan(order.length - 1);
  });

  it('blocking in the handler throws InterruptContextError', () => {
    const m = machine(2);
    const wq = m.engine.waitQueue('never');
    m.spawn('sender', function* () {
      yield* m.sendIpi(1, 'bad', function* () {
        yield { kind: 'block', wq };
      });
    }, { cpu: 0 });
    let err: unknown;
    try {
      m.run();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ThreadCrashError);
    expect((err as ThreadCrashError).cause).toBeInstanceOf(InterruptContextError);
    expect((err as Error).message).toMatch(/blocking on "never" in interrupt context/);
  });

  it('rejects a bad target CPU', () => {
    const m = machine(2);
    m.spawn('sender', function* () {
      yield* m.sendIpi(2, 'x', function* () {});
    });
    expect(() => m.run()).toThrow(/no cpu 2/);
  });
});
