/**
 * src/modules: the module subsystem (core/) and the file-system modules.
 *
 * `MODULE_REGISTRY` maps names to loadable module definitions. Adding a file
 * system is one module file (see core/module.ts) plus one entry here.
 * `ext3` has several releases: the registry holds the newest,
 * `withExt3Version` another; `bootFromDisk` boots with ext3 as root on a disk.
 */
import { bootSystem, runThread, type BootOptions, type System } from './core/boot.ts';
import type { Sim } from '../sim/effects.ts';
import { ErrnoError } from '../uapi/errno.ts';
import { deactivate_super } from '../vfs/namespace.ts';
import type { ModuleRegistry } from './core/loader.ts';
import type { ModuleDefinition } from './core/module.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import { ramfsModule } from './ramfs/index.ts';
import { ext3Definition } from './ext3/index.ts';

/** `ext3` is its newest release; `withExt3Version` gives a registry with another. */
const DEFINITIONS: readonly ModuleDefinition[] = [ramfsModule, ext3Definition()];

export const MODULE_REGISTRY: ModuleRegistry = new Map(DEFINITIONS.map((d) => [d.name, d]));

/** Boot with the standard registry (ramfs root unless `rootfs` says otherwise). */
export function boot(opts: Omit<BootOptions, 'registry'> & { registry?: ModuleRegistry }): System {
  return bootSystem({ ...opts, registry: opts.registry ?? MODULE_REGISTRY });
}

export interface DiskBootOptions extends Omit<BootOptions, 'registry' | 'rootdev'> {
  /** The root device; registered in the kernel's block-device table under its name. */
  disk: BlockDevice;
  /** More block devices to register (mountable by name later). */
  disks?: readonly BlockDevice[];
  /** ext3 release to boot (default: the newest). */
  ext3Version?: string | number;
  registry?: ModuleRegistry;
}

/**
 * Boot with a disk file system as root (default `ext3`, newest release):
 * `disk` is registered as a block device before any module loads, then the
 * root module is loaded and mounts it.
 */
export function bootFromDisk(opts: DiskBootOptions): System {
  const { disk, disks, ext3Version, registry, ...rest } = opts;
  const reg = ext3Version === undefined ? (registry ?? MODULE_REGISTRY) : withExt3Version(ext3Version, registry);
  return bootSystem({
    ...rest,
    rootfs: opts.rootfs ?? 'ext3',
    registry: reg,
    rootdev: disk.name,
    onModuleSubsystem: (ms) => {
      opts.onModuleSubsystem?.(ms);
      for (const d of [disk, ...(disks ?? [])]) ms.kernel.add_bdev(d);
    },
  });
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

/** `registry` with `ext3` at release `version` ('1', '2', '3'). */
export function withExt3Version(version: string | number, registry: ModuleRegistry = MODULE_REGISTRY): ModuleRegistry {
  return new Map([...registry, ['ext3', ext3Definition(version)]]);
}

export * from './core/index.ts';
export { ramfsModule } from './ramfs/index.ts';
export { ext3Definition, ext3Module, EXT3_VERSIONS, EXT3_NEWEST } from './ext3/index.ts';
