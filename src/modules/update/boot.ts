/**
 * Booting a system whose modules can be live-updated: the modelled machine,
 * the module subsystem with every module instrumented at load for the chosen
 * quiescence strategy, the `LiveUpdate` manager, and sysfs at /sys.
 */
import type { Machine } from '../../hw-ppc64/machine.ts';
import type { Sim } from '../../sim/effects.ts';
import * as sys from '../../vfs/syscalls.ts';
import { bootSystem, runThread, type BootOptions, type System } from '../core/boot.ts';
import type { ModuleSubsystem } from '../core/loader.ts';
import { LiveUpdate } from './manager.ts';
import { register_sysfs } from './sysfs.ts';
import type { QuiescenceStrategy } from './usecount.ts';

const LIVE = new WeakMap<System, LiveUpdate>();

/**
 * The `onModuleSubsystem` hook that makes a booting system live-updatable;
 * pass it to `bootSystem` or `bootFromDisk`, then call `finish(system)`.
 */
export function liveUpdateHook(machine: Machine, strategy: QuiescenceStrategy) {
  let live: LiveUpdate | null = null;
  return {
    onModuleSubsystem(ms: ModuleSubsystem): void {
      const lu = new LiveUpdate(ms, machine, strategy);
      ms.onLoad = (m) => lu.onLoad(m);
      register_sysfs(ms, lu);
      live = lu;
    },
    /**
     * Remember the manager and mount sysfs at /sys: 'create' makes the
     * directory, 'if-present' mounts only where the root already has one (a
     * user's image is not written to unasked), 'no' skips it.
     */
    finish(system: System, mountSysfs: 'create' | 'if-present' | 'no' = 'create'): LiveUpdate {
      if (!live) throw new Error('liveUpdateHook: the system did not boot through the hook');
      LIVE.set(system, live);
      if (mountSysfs !== 'no') {
        runThread(system.engine, 'mount-sysfs', function* (): Sim<void> {
          if (mountSysfs === 'create') yield* sys.mkdir(system.init, '/sys', 0o555);
          else {
            try {
              yield* sys.stat(system.init, '/sys');
            } catch {
              return;
            }
          }
          yield* sys.mount(system.init, 'sysfs', '/sys', 'sysfs');
        });
      }
      return live;
    },
  };
}

export interface LiveBootOptions extends Omit<BootOptions, 'engine' | 'onModuleSubsystem'> {
  machine: Machine;
  strategy: QuiescenceStrategy;
  /** Mount sysfs at /sys (default true). */
  sysfs?: boolean;
}

export function bootLiveSystem(opts: LiveBootOptions): { system: System; live: LiveUpdate } {
  const { machine, strategy, sysfs, ...rest } = opts;
  const hook = liveUpdateHook(machine, strategy);
  const system = bootSystem({ ...rest, engine: machine.engine, onModuleSubsystem: hook.onModuleSubsystem });
  return { system, live: hook.finish(system, sysfs === false ? 'no' : 'create') };
}

/** The live-update manager of a system booted through `liveUpdateHook`. */
export function liveUpdateOf(system: System): LiveUpdate | undefined {
  return LIVE.get(system);
}
