/**
 * Demo `sim-contention`: the engine on its own. Worker threads on several
 * CPUs take a sleeping lock around a shared counter and wait for a modelled
 * device whose completions arrive as interrupts; the timeline shows per-CPU
 * scheduling, blocking, wakeups and interrupt handling.
 */
import { Engine, Mutex, block, toChromeTrace, toTextTimeline, type Sim } from '../../sim/index.ts';
import { registerDemo, type DemoResult, type DemoOptions } from './registry.ts';

export function runSimContention(opts: DemoOptions): DemoResult {
  const cpus = opts.cpus ?? 2;
  const nthreads = opts.threads ?? 4;
  const e = new Engine({ cpus, seed: opts.seed, trace: true, perturb: { preemptProbability: 0.05, maxDelayCycles: 500 } });
  const lock = new Mutex(e, 'counter');
  let counter = 0;
  const ioLatency = 20_000;
  for (let i = 0; i < nthreads; i++) {
    e.spawn(`worker-${i}`, function* (): Sim<void> {
      for (let k = 0; k < 3; k++) {
        yield* lock.lock();
        const v = counter;
        yield 1_500 + e.rng.int(1_000);
        counter = v + 1;
        yield* lock.unlock();
        // submit an I/O and wait for its completion interrupt
        const done = e.waitQueue(`io-${i}-${k}`);
        let complete = false;
        const me = e.current!;
        e.interrupt(me.cpu, e.now + ioLatency, `disk-done w${i}`, function* () {
          yield 300;
          complete = true;
          done.wakeOne();
        });
        while (!complete) yield* block(done);
      }
    });
  }
  e.run();
  const expected = nthreads * 3;
  const text =
    toTextTimeline(e.trace!, { cyclesPerUs: e.cyclesPerUs, maxLines: 60 }) +
    `\nsummary: ${nthreads} threads on ${cpus} CPUs, counter=${counter} (expected ${expected}), ` +
    `${e.switches} context switches, ${e.events} events, makespan ${(e.makespan / e.cyclesPerUs).toFixed(1)} us\n`;
  return {
    text,
    summary: { cpus, threads: nthreads, counter, expected, switches: e.switches, events: e.events, makespanCycles: e.makespan },
    trace: toChromeTrace(e.trace!, { cyclesPerUs: e.cyclesPerUs, cpus, endTime: e.makespan, meta: { demo: 'sim-contention' } }),
    ok: counter === expected,
  };
}

registerDemo({
  name: 'sim-contention',
  summary: 'threads on several CPUs share a lock and wait for device interrupts (the engine alone)',
  run: runSimContention,
});
