/**
 * pauseRun(): Engine.run() returns 'paused' and the run goes on unchanged at
 * the next run(): same trace bytes, events, switches, makespan and results
 * as a run that never paused, with perturbation on (every effect boundary
 * may draw a random number) and wait-queue traffic between the threads.
 */
import { describe, expect, it } from 'vitest';
import { Engine, block, pauseRun, toChromeTrace, type Sim } from '../../src/sim/index.ts';

function racy(seed: number, pauses: boolean): { trace: string; events: number; switches: number; makespan: number; order: string; runs: number } {
  const e = new Engine({ cpus: 3, seed, trace: true, perturb: { preemptProbability: 0.25, maxDelayCycles: 200 } });
  const wq = e.waitQueue('ping');
  let counter = 0;
  const order: number[] = [];
  for (let i = 0; i < 6; i++) {
    e.spawn(`t${i}`, function* (): Sim<void> {
      for (let k = 0; k < 15; k++) {
        const v = counter;
        yield 40 + ((i * 11) % 17);
        counter = v + 1;
        order.push(i);
        // thread 0 pauses the run at every step, as the interactive shell does per line
        if (pauses && i === 0) yield* pauseRun();
        if (k % 5 === 4) {
          if (i % 2 === 0) yield* block(wq, 500);
          else wq.wakeAll();
        }
      }
    });
  }
  let runs = 0;
  for (;;) {
    runs++;
    if (e.run().reason !== 'paused') break;
  }
  const trace = JSON.stringify(toChromeTrace(e.trace!, { cyclesPerUs: e.cyclesPerUs, cpus: 3, endTime: e.makespan }));
  return { trace, events: e.events, switches: e.switches, makespan: e.makespan, order: order.join(','), runs };
}

describe('pauseRun', () => {
  it.each([1, 2, 3, 7])('seed %i: a paused and resumed run is the run that never paused', (seed) => {
    const plain = racy(seed, false);
    const paused = racy(seed, true);
    expect(plain.runs).toBe(1);
    expect(paused.runs).toBe(16); // 15 pauses, then the run to idle
    expect({ ...paused, runs: 0 }).toEqual({ ...plain, runs: 0 });
  });

  it('is refused in interrupt context', () => {
    const e = new Engine({ cpus: 1 });
    let err: unknown;
    e.spawn('t', function* (): Sim<void> {
      yield 10;
    });
    e.interrupt(0, 5, 'irq', function* (): Sim<void> {
      try {
        yield* pauseRun();
      } catch (x) {
        err = x;
      }
    });
    expect(e.run().reason).toBe('idle');
    expect((err as Error).name).toMatch(/InterruptContext/);
  });
});
