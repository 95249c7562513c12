/**
 * Building the shipped ext3 release packages (packages/ext3-vN) from
 * modules-src/ext3, and checking that the shipped ones are current: the
 * build is reproducible, so rebuilding must give the shipped bundle's bytes
 * and the shipped manifest (signature aside). Run with
 * `npm run build:packages -- --key FILE` (scripts/build-packages.ts) after changing module source; the
 * signing key's public half is packages/keyring/modswap-releases.pub.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { kernelAbi } from './kernel/abi.ts';
import { buildModuleBundle } from './update/build.ts';
import { MANIFEST_FILE, bundleFileName, pack } from './update/package.ts';
import { parseManifest, type Manifest } from './update/manifest.ts';
import { ext3PackageDir, packagesDir } from './ext3-releases.ts';

export interface ReleaseSpec {
  version: number;
  /** The release it updates (0: a base release). */
  from: number;
  formats: string[];
  description: string;
}

export const EXT3_RELEASES: readonly ReleaseSpec[] = [
  { version: 1, from: 0, formats: ['ext3-state@2'], description: 'ext3 1: the base release (its rename leaves parent link counts wrong)' },
  { version: 2, from: 1, formats: ['ext3-state@2'], description: 'ext3 2: parent link counts moved on a cross-directory rename' },
  { version: 3, from: 2, formats: ['ext3-state@3', 'ext3-state@2'], description: 'ext3 3: per-inode block reservation windows' },
];

/** modules-src/ext3 (beside packages/). */
export function ext3SourceRoot(): string {
  return join(dirname(packagesDir()), 'modules-src', 'ext3');
}

export function ext3Entry(version: number): string {
  return join(ext3SourceRoot(), `v${version}`, 'index.ts');
}

/** Build and sign every release into packages/ext3-vN. */
export function buildExt3Packages(keyPath: string): Manifest[] {
  return EXT3_RELEASES.map((r) =>
    pack({
      source: ext3Entry(r.version),
      root: ext3SourceRoot(),
      module: 'ext3',
      fromVersion: r.from,
      toVersion: r.version,
      stateFormats: r.formats,
      description: r.description,
      outDir: ext3PackageDir(r.version),
      keyPath,
    }),
  );
}

/** Problems with the shipped packages (empty when every one is what a rebuild gives). */
export function staleExt3Packages(): string[] {
  const problems: string[] = [];
  const abi = kernelAbi();
  for (const r of EXT3_RELEASES) {
    const dir = ext3PackageDir(r.version);
    const mpath = join(dir, MANIFEST_FILE);
    if (!existsSync(mpath)) {
      problems.push(`${dir}: missing`);
      continue;
    }
    const m = parseManifest(readFileSync(mpath, 'utf8'), mpath);
    const built = buildModuleBundle(ext3Entry(r.version), ext3SourceRoot());
    const shipped = readFileSync(join(dir, bundleFileName('ext3')));
    if (!shipped.equals(built.code)) problems.push(`${dir}: ${bundleFileName('ext3')} differs from a rebuild of modules-src/ext3/v${r.version}`);
    if (m.kernelAbi.digest !== abi.digest) problems.push(`${dir}: built against kernel ABI ${m.kernelAbi.digest.slice(0, 12)}, the kernel's is ${abi.digest.slice(0, 12)}`);
    if (m.kernelAbi.symbols.join(',') !== built.kernelSymbols.join(',')) problems.push(`${dir}: manifest's kernel symbols differ from the rebuild's`);
    if (m.fromVersion !== r.from || m.toVersion !== r.version || m.stateFormats.join(',') !== r.formats.join(',')) problems.push(`${dir}: manifest versions or formats differ from the release list`);
    if (!m.signature) problems.push(`${dir}: not signed`);
  }
  return problems;
}
