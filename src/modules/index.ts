/**
 * src/modules: the module subsystem (core/) and the file-system modules.
 *
 * `MODULE_REGISTRY` maps names to loadable module definitions. Adding a file
 * system is one module file (see core/module.ts) plus one entry here.
 * `ext3` has several releases, each a signed package in packages/ext3-vN
 * (ext3-releases.ts links them): the registry holds the newest,
 * `withExt3Version` another. Booting a system from them is src/system's.
 */
import type { ModuleRegistry } from './core/loader.ts';
import type { ModuleDefinition } from './core/module.ts';
import { ramfsModule } from './ramfs/index.ts';
import { ext3Definition } from './ext3-releases.ts';

/** `ext3` is its newest release; `withExt3Version` gives a registry with another. */
const DEFINITIONS: readonly ModuleDefinition[] = [ramfsModule, ext3Definition()];

export const MODULE_REGISTRY: ModuleRegistry = new Map(DEFINITIONS.map((d) => [d.name, d]));

/** `registry` with `ext3` at release `version` ('1', '2', '3'). */
export function withExt3Version(version: string | number, registry: ModuleRegistry = MODULE_REGISTRY): ModuleRegistry {
  return new Map([...registry, ['ext3', ext3Definition(version)]]);
}

export * from './core/index.ts';
export { ramfsModule } from './ramfs/index.ts';
export { ext3Definition, ext3Release, ext3PackageDir, shippedKeyring, EXT3_VERSIONS, EXT3_NEWEST } from './ext3-releases.ts';
