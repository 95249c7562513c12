/**
 * The ext3 module as shipped: one package per release in `packages/ext3-vN`
 * (like /lib/modules/.../ext3.ko), each holding the release's bundle built
 * from modules-src/ext3/vN and a manifest signed with the key whose public
 * half is in `packages/keyring`. Nothing here is ext3 code: this finds,
 * verifies and links the packages (update/load.ts), so booting at release N
 * runs release N's bundle, and the K42 file service's objects of version N
 * run the same bundle's engine code (`ext3Release`, installed as the ext2
 * release provider).
 *
 * A release's bundle is linked once per process and its definition reused
 * by every boot in it (each insmod still instantiates fresh tables and
 * state); a package loaded by path (an update, a user's fix) is linked anew.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setExt2ReleaseProvider, type Ext2Release } from '../ext2/release.ts';
import type { ModuleDefinition } from './core/module.ts';
import { Keyring } from './update/keyring.ts';
import { loadPackageSync } from './update/load.ts';

/** Releases shipped, oldest first. */
export const EXT3_VERSIONS = ['1', '2', '3'] as const;
export type Ext3Version = (typeof EXT3_VERSIONS)[number];
export const EXT3_NEWEST: Ext3Version = '3';

/** Where the shipped packages are: the nearest `packages/` with a keyring above this file. */
export function packagesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const cand = join(dir, 'packages');
    if (existsSync(join(cand, 'keyring'))) return cand;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the packages/ directory of the shipped module releases');
    dir = up;
  }
}

/** The package directory of ext3 release `version`. */
export function ext3PackageDir(version: string | number): string {
  return join(packagesDir(), `ext3-v${version}`);
}

/** The keyring the shipped packages are signed for. */
export function shippedKeyring(): Keyring {
  return Keyring.fromDirectory(join(packagesDir(), 'keyring'));
}

interface LinkedRelease {
  def: ModuleDefinition;
  release: Ext2Release;
}

const linked = new Map<string, LinkedRelease>();

function linkRelease(version: string | number): LinkedRelease {
  const key = String(version);
  const have = linked.get(key);
  if (have) return have;
  if (!(EXT3_VERSIONS as readonly string[]).includes(key)) throw new RangeError(`no ext3 release ${version} (have ${EXT3_VERSIONS.join(', ')})`);
  const p = loadPackageSync(resolve(ext3PackageDir(key)), shippedKeyring());
  const release = p.exports['ext2_release'] as Ext2Release | undefined;
  if (!release || typeof release.rename !== 'function') throw new Error(`${p.path}: the bundle exports no ext2_release`);
  const l = { def: p.def, release };
  linked.set(key, l);
  return l;
}

/** The `ext3` module at release `version` ('1', '2', '3' or the number), from its package. */
export function ext3Definition(version: string | number = EXT3_NEWEST): ModuleDefinition {
  return linkRelease(version).def;
}

/** The engine code of release `version`, from its package (what the K42 path runs). */
export function ext3Release(version: string | number): Ext2Release {
  return linkRelease(version).release;
}

setExt2ReleaseProvider((v) => ext3Release(v));
