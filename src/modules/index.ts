/**
 * src/modules: the module subsystem (core/) and the file-system modules.
 *
 * `MODULE_REGISTRY` maps names to loadable module definitions. Adding a file
 * system is one module file (see core/module.ts) plus one entry here.
 */
import { bootSystem, type BootOptions, type System } from './core/boot.ts';
import type { ModuleRegistry } from './core/loader.ts';
import type { ModuleDefinition } from './core/module.ts';
import { ramfsModule } from './ramfs/index.ts';

const DEFINITIONS: readonly ModuleDefinition[] = [ramfsModule];

export const MODULE_REGISTRY: ModuleRegistry = new Map(DEFINITIONS.map((d) => [d.name, d]));

/** Boot with the standard registry (ramfs root unless `rootfs` says otherwise). */
export function boot(opts: Omit<BootOptions, 'registry'> & { registry?: ModuleRegistry }): System {
  return bootSystem({ ...opts, registry: opts.registry ?? MODULE_REGISTRY });
}

export * from './core/index.ts';
export { ramfsModule } from './ramfs/index.ts';
