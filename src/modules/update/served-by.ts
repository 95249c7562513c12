/**
 * Which release of a module served an operation: an oracle over the
 * engine's ground-truth frames (Engine.watchFrames), for checking a run
 * against the reference model when releases differ in behaviour (ext3
 * release 1's rename bug, src/workload/model.ts `ApplyOptions`). A harness
 * calls `begin(t)` before each operation of thread `t` and `release(t)`
 * after it: the release whose `slot` function the thread entered last in
 * between, or undefined if it entered none (the operation never reached
 * the module's slot, or the module is not instrumented).
 *
 * Test and checking code only: no mechanism may decide anything from it.
 */
import type { Engine } from '../../sim/engine.ts';
import type { SimThread } from '../../sim/thread.ts';
import { majorOf } from './check.ts';

export class ServedBy {
  private readonly last = new Map<SimThread, string>();
  private readonly stop: () => void;

  constructor(
    engine: Engine,
    /** Module name (`ext3`): frames labelled `ext3@VERSION`. */
    readonly module: string,
    /** Slot name (`rename`): frames `TABLE.rename`. */
    readonly slot: string,
  ) {
    const prefix = `${module}@`;
    const suffix = `.${slot}`;
    this.stop = engine.watchFrames((t, label, fn) => {
      if (label.startsWith(prefix) && fn.endsWith(suffix)) this.last.set(t, label.slice(prefix.length));
    });
  }

  begin(t: SimThread): void {
    this.last.delete(t);
  }

  /** Major release that served `t`'s operation since `begin`, if it reached the slot. */
  release(t: SimThread): number | undefined {
    const v = this.last.get(t);
    return v === undefined ? undefined : majorOf(v);
  }

  close(): void {
    this.stop();
  }
}
