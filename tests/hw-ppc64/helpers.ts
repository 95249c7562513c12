/** Shared helpers for the hw-ppc64 suites. */
import type { Sim } from '../../src/sim/effects.ts';
import { Machine } from '../../src/hw-ppc64/index.ts';
import type { MachineConfig } from '../../src/hw-ppc64/index.ts';

export function machine(cpus: number, extra: Partial<MachineConfig> = {}): Machine {
  return new Machine({ cpus, model: 'ppc970', ...extra });
}

/** Run `body` in one thread on `cpu` and return its result and the cycles its body took. */
export function runOn<T>(m: Machine, cpu: number, body: () => Sim<T>): { value: T; cycles: number } {
  let value: T | undefined;
  let cycles = 0;
  m.spawn(
    'probe',
    function* () {
      const t0 = m.engine.now;
      value = yield* body();
      cycles = m.engine.now - t0;
    },
    { cpu },
  );
  m.run();
  return { value: value as T, cycles };
}

/**
 * Cycles per fetchAdd with one thread per CPU: `shared` on one line, else
 * on a processor-specific doubleword (one line per CPU). The first op is a
 * warm-up (first touch from memory) and is not counted.
 */
export function fetchAddCost(cpus: number, shared: boolean, ops: number, model: 'ppc970' | 'power5' = 'ppc970'): { perOp: number; final: number[] } {
  const m = new Machine({ cpus, model });
  const one = m.alloc(8, { align: 128, name: 'shared counter' });
  const mine = m.allocPspecific(8, { align: 128, name: 'per-cpu counter' });
  const ea = shared ? one : mine;
  let total = 0;
  for (let c = 0; c < cpus; c++) {
    m.spawn(
      `adder${c}`,
      function* () {
        yield* m.fetchAdd(ea, 1);
        const t0 = m.engine.now;
        for (let i = 1; i < ops; i++) yield* m.fetchAdd(ea, 1);
        total += m.engine.now - t0;
      },
      { cpu: c },
    );
  }
  m.run();
  const final = shared ? [m.peek64(one)] : Array.from({ length: cpus }, (_, c) => m.peek64(mine, c));
  return { perOp: total / (cpus * (ops - 1)), final };
}
