/**
 * Running one simulated thread to completion from host code: spawn it, run
 * the engine until idle, hand back the thread's result or rethrow its error.
 * The way boot, shutdown, tests, tools and the bench drive a generator that
 * must finish before the host code goes on.
 */
import type { Sim } from './effects.ts';
import type { Engine } from './engine.ts';

/** Spawn `body` as a thread, run the engine until idle, return the result or rethrow the thread's error. */
export function runThread<T>(engine: Engine, name: string, body: () => Sim<T>, cpu?: number): T {
  let ok = false;
  let value: T | undefined;
  let error: unknown;
  engine.spawn(
    name,
    function* (): Sim<void> {
      try {
        value = yield* body();
        ok = true;
      } catch (e) {
        error = e;
      }
    },
    cpu === undefined ? {} : { cpu },
  );
  engine.run();
  if (!ok) throw error ?? new Error(`${name}: thread did not finish`);
  return value as T;
}

/** What became of a thread run by `runBounded`. */
export type BoundedRun =
  | { kind: 'done' }
  /** The engine itself threw (a deadlock report, an interrupt-context block, ...). */
  | { kind: 'engine-threw'; error: unknown }
  /** The thread's body threw. */
  | { kind: 'thread-threw'; error: unknown }
  /** The engine stopped before the thread finished (event budget spent, or idle with the thread blocked). */
  | { kind: 'hang' };

/**
 * Spawn `body` as a thread and run the engine until idle or `maxEvents`,
 * never throwing: the fuzz targets that feed damaged input to the kernel
 * classify each way a run can end instead of dying with it.
 */
export function runBounded(engine: Engine, name: string, body: () => Sim<void>, maxEvents: number): BoundedRun {
  let done = false;
  let error: unknown;
  let threw = false;
  engine.spawn(name, function* (): Sim<void> {
    try {
      yield* body();
      done = true;
    } catch (e) {
      threw = true;
      error = e;
    }
  });
  let r;
  try {
    r = engine.run({ maxEvents });
  } catch (e) {
    return { kind: 'engine-threw', error: e };
  }
  if (threw) return { kind: 'thread-threw', error };
  return r.reason === 'idle' && done ? { kind: 'done' } : { kind: 'hang' };
}
