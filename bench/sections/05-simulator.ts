/**
 * Simulator throughput: how fast the engine processes events and switches
 * threads (wall time, median of 5 runs). Events are thread steps (one
 * yielded effect each) plus timed events (timers, interrupts, CPU steps
 * taken from the heap).
 */
import { Engine, block, type Sim } from '../../src/sim/index.ts';
import { fmt, median, table, type BenchSection } from '../lib.ts';

function computeLoop(): { events: number; ms: number } {
  const e = new Engine({ cpus: 4, seed: 1 });
  for (let i = 0; i < 16; i++) {
    e.spawn(`w${i}`, function* (): Sim<void> {
      for (let j = 0; j < 125_000; j++) yield 10;
    });
  }
  const t0 = performance.now();
  e.run();
  return { events: e.events, ms: performance.now() - t0 };
}

/** Ping-pong through wait queues: every step is a block and a wake, i.e. a switch. */
function pingPong(): { switches: number; events: number; ms: number } {
  const e = new Engine({ cpus: 2, seed: 1 });
  const rounds = 100_000;
  for (let p = 0; p < 2; p++) {
    const a = e.waitQueue(`a${p}`);
    const b = e.waitQueue(`b${p}`);
    // `turn` says whose move it is, so a wakeup is never lost
    let turn: 'ping' | 'pong' = 'ping';
    e.spawn(`ping${p}`, function* (): Sim<void> {
      for (let i = 0; i < rounds; i++) {
        while (turn !== 'ping') yield* block(a);
        yield 10;
        turn = 'pong';
        b.wakeOne();
      }
    }, { cpu: p });
    e.spawn(`pong${p}`, function* (): Sim<void> {
      for (let i = 0; i < rounds; i++) {
        while (turn !== 'pong') yield* block(b);
        yield 10;
        turn = 'ping';
        a.wakeOne();
      }
    }, { cpu: p });
  }
  const t0 = performance.now();
  e.run();
  return { switches: e.switches, events: e.events, ms: performance.now() - t0 };
}

export const section: BenchSection = {
  id: 'sim',
  title: 'Simulator',
  order: 5,
  run() {
    const c = [0, 1, 2, 3, 4].map(() => computeLoop());
    const p = [0, 1, 2, 3, 4].map(() => pingPong());
    const evs = median(c.map((r) => (r.events / r.ms) * 1000));
    const sws = median(p.map((r) => (r.switches / r.ms) * 1000));
    const pevs = median(p.map((r) => (r.events / r.ms) * 1000));
    return [
      'Wall-clock throughput of the discrete-event engine on one core (median of 5 runs).',
      '',
      table(
        ['workload', 'events', 'context switches', 'events/s', 'switches/s'],
        [
          ['16 threads x 125k computes on 4 CPUs', fmt(c[0]!.events), '-', fmt(evs), '-'],
          ['2 ping-pong pairs x 100k rounds on 2 CPUs', fmt(p[0]!.events), fmt(p[0]!.switches), fmt(pevs), fmt(sws)],
        ],
      ),
      '',
      `Aim: at least 3 million events/s. Measured: ${fmt(evs / 1e6, 1)} M events/s for computes, ${fmt(sws / 1e6, 2)} M thread switches/s.`,
    ].join('\n');
  },
};
