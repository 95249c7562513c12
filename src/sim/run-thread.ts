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
