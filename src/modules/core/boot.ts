/**
 * Booting a modelled system: a `Kernel` on an engine, the module loader, the
 * root file system (a module, loaded and mounted at /), procfs at /proc, and
 * the init task (pid 1, root). `System.exec` runs a generator on a new
 * simulated thread until the engine is idle: the way tests, the shell and the
 * bench drive syscalls.
 *
 *   const s = bootSystem({ engine: new Engine({ cpus: 2, seed: 1 }), registry: MODULE_REGISTRY });
 *   const st = s.exec(function* (t) { yield* sys.mkdir(t, '/a', 0o755); return yield* sys.stat(t, '/a'); });
 */
import type { Sim } from '../../sim/effects.ts';
import type { Engine } from '../../sim/engine.ts';
import { Kernel, type KernelOptions } from '../../vfs/kernel.ts';
import { mount_root } from '../../vfs/namespace.ts';
import * as sys from '../../vfs/syscalls.ts';
import { Task, type TaskOptions } from '../../vfs/task.ts';
import { ModuleSubsystem, type ModuleRegistry } from './loader.ts';
import { register_procfs, standard_proc_entries } from './procfs.ts';

export interface BootOptions {
  engine: Engine;
  registry: ModuleRegistry;
  /** Root file-system module and type (default ramfs). */
  rootfs?: string;
  /** Root device name (default "none"). */
  rootdev?: string;
  /** Mount procfs at /proc (default true). */
  procfs?: boolean;
  kernel?: KernelOptions;
  /** Called once the module subsystem exists, before any module loads (the live-update subsystem attaches here). */
  onModuleSubsystem?: (ms: ModuleSubsystem) => void;
}

export interface ExecOptions {
  /** Task to act as (default: the init task). */
  task?: Task;
  /** Thread name (default "exec"). */
  name?: string;
  cpu?: number;
}

export class System {
  constructor(
    readonly engine: Engine,
    readonly kernel: Kernel,
    readonly modules: ModuleSubsystem,
    /** pid 1, root credentials, cwd / */
    readonly init: Task,
  ) {}

  /** A new process (default: root credentials, umask 022, cwd /). */
  newTask(opts: TaskOptions = {}): Task {
    return new Task(this.kernel, opts);
  }

  /**
   * Run `body(task)` on a new simulated thread and the engine until idle;
   * returns the body's result or rethrows its error (an ErrnoError as is).
   */
  exec<T>(body: (t: Task) => Sim<T>, opts: ExecOptions = {}): T {
    return runThread(this.engine, opts.name ?? 'exec', () => body(opts.task ?? this.init), opts.cpu);
  }
}

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

/** Boot: load and mount the root file system, mount procfs, create init. */
export function bootSystem(opts: BootOptions): System {
  const { engine, registry } = opts;
  const rootfs = opts.rootfs ?? 'ramfs';
  const kernel = new Kernel(engine, opts.kernel);
  const ms = new ModuleSubsystem(kernel, registry);
  opts.onModuleSubsystem?.(ms);
  const init = runThread(engine, 'boot', function* (): Sim<Task> {
    yield* ms.insmod(rootfs);
    yield* mount_root(kernel, rootfs, opts.rootdev ?? 'none');
    const t = new Task(kernel, { pid: 1, name: 'init' });
    if (opts.procfs ?? true) {
      register_procfs(kernel, standard_proc_entries(kernel, ms));
      yield* sys.mkdir(t, '/proc', 0o555);
      yield* sys.mount(t, 'proc', '/proc', 'proc');
    }
    return t;
  });
  return new System(engine, kernel, ms, init);
}
