/**
 * The one boot path: every system the CLI, the demos, the scenarios, the
 * fuzzer, the bench and the tests run is made by `bootSystem`.
 *
 * Booting: a `Kernel` on an engine, the module loader (with the live-update
 * manager attached before any module loads, when asked: every module is then
 * instrumented for the chosen quiescence strategy), the block devices, the
 * root file system (a module, loaded and mounted at /: ramfs, or ext3 at some
 * release when a disk is given), procfs at /proc, sysfs at /sys (live
 * update only), and the init task (pid 1, root). `System.exec` runs a
 * generator on a new simulated thread until the engine is idle.
 *
 *   const s = bootSystem({ engine: new Engine({ cpus: 2, seed: 1 }) });
 *   const st = s.exec(function* (t) { yield* sys.mkdir(t, '/a', 0o755); return yield* sys.stat(t, '/a'); });
 *
 * `buildSystem` (build.ts) adds the machine and a disk image in front of it.
 */
import type { Machine } from '../hw-ppc64/machine.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import type { Sim } from '../sim/effects.ts';
import type { Engine } from '../sim/engine.ts';
import { runThread } from '../sim/run-thread.ts';
import { ErrnoError } from '../uapi/errno.ts';
import { Kernel, type KernelOptions } from '../vfs/kernel.ts';
import { deactivate_super, mount_root } from '../vfs/namespace.ts';
import * as sys from '../vfs/syscalls.ts';
import { Task, type TaskOptions } from '../vfs/task.ts';
import { ModuleSubsystem, type ModuleRegistry } from '../modules/core/loader.ts';
import { register_procfs, standard_proc_entries } from '../modules/core/procfs.ts';
import { MODULE_REGISTRY, withExt3Version } from '../modules/index.ts';
import { LiveUpdate } from '../modules/update/manager.ts';
import { register_sysfs } from '../modules/update/sysfs.ts';
import type { QuiescenceStrategy } from '../modules/update/usecount.ts';

export interface LiveBootOptions {
  /** The machine whose costs the update manager charges (its engine is the boot engine). */
  machine: Machine;
  strategy: QuiescenceStrategy;
  /**
   * Mount sysfs at /sys: 'create' makes the directory (default), 'if-present'
   * mounts only where the root already has one (a user's image is not
   * written to unasked), 'no' skips it.
   */
  sysfs?: 'create' | 'if-present' | 'no';
}

export interface BootOptions {
  engine: Engine;
  /** Loadable modules (default MODULE_REGISTRY). */
  registry?: ModuleRegistry;
  /** ext3 release the registry maps `ext3` to (default: the registry's). */
  ext3Version?: string | number;
  /** The root device, registered in the kernel's block-device table before any module loads. */
  disk?: BlockDevice;
  /** More block devices to register (mountable by name later). */
  disks?: readonly BlockDevice[];
  /** Root file-system module and type (default: ext3 with a disk, else ramfs). */
  rootfs?: string;
  /** Mount procfs at /proc (default true). */
  procfs?: boolean;
  kernel?: KernelOptions;
  /** Make the system live-updatable (the manager is `System.live`). */
  live?: LiveBootOptions;
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
    /** The live-update manager (null unless booted with `live`). */
    readonly live: LiveUpdate | null,
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

/** Boot: register the disks, load and mount the root file system, mount procfs (and sysfs), create init. */
export function bootSystem(opts: BootOptions): System {
  const { engine } = opts;
  const base = opts.registry ?? MODULE_REGISTRY;
  const registry = opts.ext3Version === undefined ? base : withExt3Version(opts.ext3Version, base);
  const rootfs = opts.rootfs ?? (opts.disk ? 'ext3' : 'ramfs');
  // the boot thread closes over these, not over `opts`: the engine keeps finished
  // threads, and the boot registry must not keep a replaced release's code alive
  const rootdev = opts.disk?.name ?? 'none';
  const procfs = opts.procfs ?? true;
  const kernel = new Kernel(engine, opts.kernel);
  const ms = new ModuleSubsystem(kernel, registry);
  let live: LiveUpdate | null = null;
  if (opts.live) {
    const lu = new LiveUpdate(ms, opts.live.machine, opts.live.strategy);
    ms.onLoad = (m) => lu.onLoad(m);
    register_sysfs(ms, lu);
    live = lu;
  }
  for (const d of opts.disk ? [opts.disk, ...(opts.disks ?? [])] : (opts.disks ?? [])) kernel.add_bdev(d);
  const init = runThread(engine, 'boot', function* (): Sim<Task> {
    yield* ms.insmod(rootfs);
    yield* mount_root(kernel, rootfs, rootdev);
    const t = new Task(kernel, { pid: 1, name: 'init' });
    if (procfs) {
      register_procfs(kernel, standard_proc_entries(kernel, ms));
      yield* sys.mkdir(t, '/proc', 0o555);
      yield* sys.mount(t, 'proc', '/proc', 'proc');
    }
    return t;
  });
  const sysfs = opts.live ? (opts.live.sysfs ?? 'create') : 'no';
  if (sysfs !== 'no') {
    runThread(engine, 'mount-sysfs', function* (): Sim<void> {
      if (sysfs === 'create') yield* sys.mkdir(init, '/sys', 0o555);
      else if (!(yield* exists(init, '/sys'))) return;
      yield* sys.mount(init, 'sysfs', '/sys', 'sysfs');
    });
  }
  return new System(engine, kernel, ms, init, live);
}

function* exists(t: Task, path: string): Sim<boolean> {
  try {
    yield* sys.stat(t, path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Halt: close every task's files is the caller's job; this unmounts every
 * file system, newest mount first and the root last (as a shutdown's
 * `umount -a` then the root's remount-and-sync), so disk file systems are
 * left clean (`e2fsck -fn` exits 0). Runs on a thread of the system's engine.
 */
export function shutdownSystem(system: System): void {
  const kernel = system.kernel;
  let first: unknown = null;
  runThread(system.engine, 'shutdown', function* (): Sim<void> {
    for (const m of [...kernel.mounts.list].reverse()) {
      kernel.mounts.detach(m);
      if (kernel.mounts.ofSuper(m.mnt_sb).length > 0) continue;
      try {
        yield* deactivate_super(kernel, m.mnt_sb);
      } catch (e) {
        // a failing file system (a disk error while writing back) does not stop
        // the others from unmounting; the first failure is reported, as umount's
        first ??= e instanceof ErrnoError ? e.withContext('umount', m.mnt_devname) : e;
      }
    }
  });
  if (first) throw first;
}
