/**
 * Inter-processor interrupts.
 *
 * `sendIpi` is run by a thread (or an interrupt handler) on the sending CPU.
 * The IPI is raised when issued: the target CPU takes it `ipiLatency` cycles
 * later (or at its next instruction boundary after that, if it is in the
 * middle of a longer computation), and `handler` runs there in interrupt
 * context, ahead of any thread of that CPU. The handler must not block,
 * sleep or yield (the engine throws `InterruptContextError` into it). The
 * sender is then charged `ipiSend` cycles (the store to the interrupt
 * controller). Sending to oneself is allowed, as on the MPIC.
 */
import type { Sim } from '../sim/effects.ts';
import { SimError } from '../sim/errors.ts';
import type { CpuOps } from './cpu-ops.ts';

export function* sendIpi(ops: CpuOps, target: number, name: string, handler: () => Sim<void>): Sim<void> {
  const e = ops.engine;
  if (e.current === null) throw new SimError(`sendIpi ${name}: outside a simulated thread`);
  if (!Number.isInteger(target) || target < 0 || target >= e.cpus.length) {
    throw new SimError(`sendIpi ${name}: no cpu ${target} (machine has ${e.cpus.length})`);
  }
  const from = e.currentCpu;
  ops.counters[from]!.ipiSent++;
  const received = ops.counters[target]!;
  e.interrupt(target, e.now + ops.costs.ipiLatency, name, function* () {
    received.ipiReceived++;
    yield* handler();
  });
  yield ops.costs.ipiSend;
}
