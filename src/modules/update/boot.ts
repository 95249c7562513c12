/**
 * Booting a system whose modules can be live-updated: the modelled machine,
 * the module subsystem with every module instrumented at load for the chosen
 * quiescence strategy, and the `LiveUpdate` manager.
 */
import type { Machine } from '../../hw-ppc64/machine.ts';
import { bootSystem, type BootOptions, type System } from '../core/boot.ts';
import { LiveUpdate } from './manager.ts';
import type { QuiescenceStrategy } from './usecount.ts';

const LIVE = new WeakMap<System, LiveUpdate>();

export interface LiveBootOptions extends Omit<BootOptions, 'engine' | 'onModuleSubsystem'> {
  machine: Machine;
  strategy: QuiescenceStrategy;
}

export function bootLiveSystem(opts: LiveBootOptions): { system: System; live: LiveUpdate } {
  let live: LiveUpdate | null = null;
  const { machine, strategy, ...rest } = opts;
  const system = bootSystem({
    ...rest,
    engine: machine.engine,
    onModuleSubsystem: (ms) => {
      const lu = new LiveUpdate(ms, machine, strategy);
      ms.onLoad = (m) => lu.onLoad(m);
      live = lu;
    },
  });
  LIVE.set(system, live!);
  return { system, live: live! };
}

/** The live-update manager of a system booted with `bootLiveSystem`. */
export function liveUpdateOf(system: System): LiveUpdate | undefined {
  return LIVE.get(system);
}
