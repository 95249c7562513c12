/**
 * Module text and the engine's call chain. A function of a loaded module is
 * linked to its module (`linkText`): calling it pushes a frame (module, fn)
 * on the calling thread's call chain and returning pops it, as a call
 * instruction leaves a return address on the machine stack. The chain is
 * kept for every module function, whatever quiescence strategy is in use,
 * at no modelled cost (it is the call itself): it is what a stack walk
 * reads, and the engine's ground truth of which thread is inside which
 * module (Engine.threadsInside). A thread whose entry function is module
 * text (a module-owned thread) starts with that frame (SpawnOptions.text).
 *
 * Contract: linked functions may run in thread or interrupt context; the
 * frame is popped however the call ends (return, throw, kill).
 */
import type { Engine } from './engine.ts';
import type { Sim } from './effects.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TextFn = (...args: any[]) => Sim<unknown>;

/** `fn` as text of `module` (label `name@version`), named `name` on the call chain. */
export function linkText(engine: Engine, module: string, name: string, fn: TextFn): TextFn {
  return function* text(...args: unknown[]): Sim<unknown> {
    const t = engine.current!;
    t.pushFrame(module, name);
    try {
      return yield* fn(...args);
    } finally {
      t.popFrame(module);
    }
  };
}
