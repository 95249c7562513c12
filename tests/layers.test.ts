/**
 * Layers are folders with one direction: every import in src/ and bench/
 * goes down the order below (or stays inside its own folder), never up and
 * never sideways, and the README's layout lists the same folders in the same
 * order. A new folder under src/ fails until it is given its place here and
 * in the README.
 *
 * Bottom up; folders on one line are one level and may not import each
 * other (the two kernels share only what lies below them). A module's
 * source kept outside src/ (modules-src/, built into signed bundles) may
 * import only the kernel ABI (src/modules/kernel, which module source names
 * `modswap/kernel`); src/ may take it in from the
 * modules layer up.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

export const LAYERS: readonly (readonly string[])[] = [
  ['uapi'], // the user-kernel ABI: errno, mode bits, open flags, struct stat
  ['sim'], // the discrete-event engine
  ['hw-ppc64'], // the modelled machine
  ['ext2'], // the on-disk format and file-system logic both kernels share
  ['vfs', 'k42'], // the two kernels
  ['modules'], // Linux modules: core, the update manager, ramfs, ext3
  ['system'], // the one boot path, the scenario format
  ['workload'], // user space: fsstress, the reference model, the drivers
  ['shell'], // user space: the shell interpreter
  ['reliability'], // fuzzing, fault plans, hostile inputs
  ['cli'], // the modswap command
];

/**
 * Inside src/modules, the same rule one level down: core is the module ABI
 * (the hook contract included); kernel is the symbol table module bundles
 * link against (modswap/kernel, re-exporting core and the layers below);
 * the update manager and ramfs build on them and not on each other; the
 * files at the top (the registry, the ext3 release packages) see them all.
 * (The ABI lives here, not in a layer of its own below modules, because it
 * re-exports the module core: ModuleDefinition, exportTables, the hook
 * contract.)
 * ext3's own code is not here: it is module source (modules-src/ext3),
 * built into packages/ext3-vN.
 */
const MODULE_LAYERS: readonly (readonly string[])[] = [['core'], ['kernel'], ['update', 'ramfs'], ['.']];

const rankOf = (table: readonly (readonly string[])[], name: string): number => table.findIndex((l) => l.includes(name));

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Relative specifiers of every import, export-from and import() type in `text`. */
export function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]!);
  return out;
}

/** Where a file sits: its layer (first folder below src/, or 'bench') and, in src/modules, its sub-folder. */
function place(file: string): { layer: string; sub: string } {
  const parts = relative(ROOT, file).split(sep);
  if (parts[0] === 'bench' || parts[0] === 'modules-src') return { layer: parts[0], sub: '' };
  const layer = parts.length > 2 ? parts[1]! : `(file ${parts[1]})`;
  return { layer, sub: layer === 'modules' && parts.length > 3 ? parts[2]! : '.' };
}

/** Why the import of `spec` from `file` breaks the order, or null when it does not. */
export function breaks(file: string, spec: string): string | null {
  const a = place(file);
  const rel = relative(ROOT, resolve(dirname(file), spec));
  const inside = (dir: string): boolean => rel.startsWith(`${dir}${sep}`);
  if (a.layer === 'bench') return inside('src') || inside('bench') || inside('modules-src') ? null : 'imports outside src/, modules-src/ and bench/';
  if (a.layer === 'modules-src') return inside('modules-src') || inside(join('src', 'modules', 'kernel')) ? null : 'module source imports only the kernel ABI (src/modules/kernel)';
  if (inside('modules-src')) return rankOf(LAYERS, a.layer) >= rankOf(LAYERS, 'modules') ? null : `${a.layer} -> modules-src goes up`;
  if (!inside('src')) return 'imports outside src/';
  const b = place(join(ROOT, rel));
  if (a.layer === b.layer) {
    if (a.layer !== 'modules' || a.sub === b.sub) return null;
    const ra = rankOf(MODULE_LAYERS, a.sub);
    const rb = rankOf(MODULE_LAYERS, b.sub);
    if (ra < 0 || rb < 0) return `src/modules/${ra < 0 ? a.sub : b.sub} has no place in the modules order`;
    return rb >= ra ? `modules/${a.sub} -> modules/${b.sub} goes ${rb > ra ? 'up' : 'sideways'}` : null;
  }
  const ra = rankOf(LAYERS, a.layer);
  const rb = rankOf(LAYERS, b.layer);
  if (ra < 0 || rb < 0) return `src/${ra < 0 ? a.layer : b.layer} has no place in the layer order`;
  return rb >= ra ? `${a.layer} -> ${b.layer} goes ${rb > ra ? 'up' : 'sideways'}` : null;
}

/** Every import edge of `files` that breaks the order, as "from -> to: why". */
export function violations(files: readonly string[]): string[] {
  const bad: string[] = [];
  for (const file of files) {
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      const why = breaks(file, spec);
      if (why) bad.push(`${relative(ROOT, file)} -> ${spec}: ${why}`);
    }
  }
  return bad;
}

describe('layers', () => {
  const src = tsFiles(join(ROOT, 'src'));

  const folders = readdirSync(join(ROOT, 'src')).filter((n) => statSync(join(ROOT, 'src', n)).isDirectory());

  it('every folder under src/ has a place in the order', () => {
    expect(folders.filter((f) => rankOf(LAYERS, f) < 0)).toEqual([]);
  });

  it('no import in src/, modules-src/ or bench/ goes up or sideways', () => {
    const moduleSrc = join(ROOT, 'modules-src');
    const files = [...src, ...tsFiles(join(ROOT, 'bench')), ...(existsSync(moduleSrc) ? tsFiles(moduleSrc) : [])];
    expect(files.length).toBeGreaterThan(150);
    expect(violations(files)).toEqual([]);
  });

  it('catches an upward, a sideways and a modules-internal edge', () => {
    const at = (...p: string[]): string => join(ROOT, 'src', ...p);
    expect(importSpecifiers("import type { A } from './a.ts';\nexport * from '../b.ts';\nlet t: import('../../c.ts').C;")).toEqual(['./a.ts', '../b.ts', '../../c.ts']);
    expect(breaks(at('vfs', 'namei.ts'), '../workload/fsstress.ts')).toBe('vfs -> workload goes up');
    expect(breaks(at('vfs', 'namei.ts'), '../k42/ott.ts')).toBe('vfs -> k42 goes sideways');
    expect(breaks(at('vfs', 'namei.ts'), '../uapi/errno.ts')).toBeNull();
    expect(breaks(at('vfs', 'namei.ts'), './dentry.ts')).toBeNull();
    expect(breaks(at('modules', 'core', 'module.ts'), '../update/manager.ts')).toBe('modules/core -> modules/update goes up');
    expect(breaks(at('modules', 'ramfs', 'ramfs.ts'), '../update/manager.ts')).toBe('modules/ramfs -> modules/update goes sideways');
    expect(breaks(at('modules', 'kernel', 'index.ts'), '../update/manager.ts')).toBe('modules/kernel -> modules/update goes up');
    expect(breaks(at('modules', 'update', 'link.ts'), '../kernel/abi.ts')).toBeNull();
    expect(breaks(at('modules', 'index.ts'), './ext3-releases.ts')).toBeNull();
    expect(breaks(at('reliability', 'case.ts'), '../cli/command.ts')).toBe('reliability -> cli goes up');
    expect(breaks(join(ROOT, 'modules-src', 'ext3', 'v1', 'index.ts'), '../../../src/modules/kernel/index.ts')).toBeNull();
    expect(breaks(join(ROOT, 'modules-src', 'ext3', 'v1', 'index.ts'), '../../../src/vfs/inode.ts')).toBe('module source imports only the kernel ABI (src/modules/kernel)');
    expect(breaks(at('vfs', 'inode.ts'), '../../modules-src/ext3/v1/index.ts')).toBe('vfs -> modules-src goes up');
  });

  it("the README's layout lists the same folders in the same order", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const layout = readme.slice(readme.indexOf('## Layout'));
    const listed = [...layout.matchAll(/^src\/([\w-]+)/gm)].map((m) => m[1]!);
    expect(listed).toEqual(LAYERS.flat().filter((l) => folders.includes(l)));
  });
});
